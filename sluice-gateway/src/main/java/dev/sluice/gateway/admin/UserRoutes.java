package dev.sluice.gateway.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.store.Membership;
import dev.sluice.gateway.store.Organization;
import dev.sluice.gateway.store.User;
import dev.sluice.protocol.ErrorKind;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code /v1/organization/users}: the organization's members, as in OpenAI's Administration API (list, retrieve,
 * modify the role, delete = remove from the organization). Adding a member (POST) stands in for OpenAI's invites:
 * the user is created when the email is new. A removed member's keys stop at once ({@code no_organization}).
 */
public final class UserRoutes implements AdminRoutes {
    private final AdminContext a;

    public UserRoutes(AdminContext a) {
        this.a = a;
    }

    private record Member(User user, Membership membership) {}

    @Override
    public void mount(Router r) {
        r.get("/v1/organization/users").handler(ctx -> AccessAdmin.work(ctx, () -> {
            Organization org = AccessAdmin.organization(ctx, a);
            List<Member> members = new ArrayList<>();
            for (Membership m : a.store().organizations().members(org.id())) {
                a.store().users().find(m.userId()).ifPresent(u -> members.add(new Member(u, m)));
            }
            return AccessAdmin.page(ctx, members, m -> m.user().id(), m -> AccessObjects.user(m.user(), m.membership()));
        }));
        r.post("/v1/organization/users").handler(this::add);
        r.get("/v1/organization/users/:user_id").handler(ctx -> AccessAdmin.work(ctx, () -> {
            Member m = member(ctx, AccessAdmin.organization(ctx, a));
            return AccessObjects.user(m.user(), m.membership());
        }));
        r.post("/v1/organization/users/:user_id").handler(this::modify);
        r.delete("/v1/organization/users/:user_id").handler(this::remove);
    }

    private Member member(RoutingContext ctx, Organization org) {
        String id = ctx.pathParam("user_id");
        Membership m = a.store().organizations().membership(org.id(), id)
                .orElseThrow(() -> ApiException.at(ErrorKind.NOT_FOUND, "user_id", "kind", "user", "id", id));
        return new Member(a.store().users().find(id).orElseThrow(), m);
    }

    private static Membership.Role role(ObjectNode body, boolean required) {
        String v = required ? AdminHttp.requiredString(body, "role") : AdminHttp.optionalString(body, "role");
        if (v == null) return Membership.Role.READER;
        if (!v.equals("owner") && !v.equals("reader")) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, "role", "why", "expected 'owner' or 'reader'");
        }
        return Membership.Role.of(v);
    }

    private void add(RoutingContext ctx) {
        ObjectNode body = AdminHttp.body(ctx);
        AdminHttp.onlyFields(body, Set.of("email", "name", "role"));
        String email = AdminHttp.requiredString(body, "email").strip();
        if (!email.matches("[^@\\s]+@[^@\\s]+")) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, "email", "why", "not an email address");
        }
        String name = AdminHttp.optionalString(body, "name");
        Membership.Role role = role(body, false);
        AccessAdmin.work(ctx, () -> a.store().database().transaction(c -> {
            Organization org = AccessAdmin.organization(ctx, a);
            User user = a.store().users().findByEmail(email).orElse(null);
            if (user == null) {
                if (name == null || name.isBlank()) throw ApiException.at(ErrorKind.MISSING_PARAMETER, "name");
                user = a.store().users().create(email, name.strip());
                AccessAdmin.audit(a, "user.created", user.id(), Map.of("email", user.email()));
            }
            if (a.store().organizations().membership(org.id(), user.id()).isPresent()) {
                throw ApiException.of(ErrorKind.CONFLICT, "detail", "User " + user.id() + " is already a member of "
                        + "organization " + org.id() + ".");
            }
            Membership m = a.store().organizations().addMember(org.id(), user.id(), role);
            AccessAdmin.audit(a, "membership.added", org.id(), Map.of("user_id", user.id(), "role", role.value()));
            return AccessObjects.user(user, m);
        }));
    }

    private void modify(RoutingContext ctx) {
        ObjectNode body = AdminHttp.body(ctx);
        AdminHttp.onlyFields(body, Set.of("role"));
        Membership.Role role = role(body, true);
        AccessAdmin.work(ctx, () -> a.store().database().transaction(c -> {
            Organization org = AccessAdmin.organization(ctx, a);
            Member m = member(ctx, org);
            if (m.membership().role() != role) {
                a.store().organizations().setRole(org.id(), m.user().id(), role);
                AccessAdmin.audit(a, "membership.role_changed", org.id(),
                        Map.of("user_id", m.user().id(), "role", role.value()));
            }
            Member now = member(ctx, org);
            return AccessObjects.user(now.user(), now.membership());
        }));
    }

    private void remove(RoutingContext ctx) {
        AccessAdmin.work(ctx, () -> {
            String id = a.store().database().transaction(c -> {
                Organization org = AccessAdmin.organization(ctx, a);
                Member m = member(ctx, org);
                a.store().organizations().removeMember(org.id(), m.user().id());
                AccessAdmin.audit(a, "membership.removed", org.id(), Map.of("user_id", m.user().id()));
                return m.user().id();
            });
            a.keys().invalidateAll(); // the member's keys answer no_organization from now on
            return AccessObjects.deleted("organization.user.deleted", id);
        });
    }
}
