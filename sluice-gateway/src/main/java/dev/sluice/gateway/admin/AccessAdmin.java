package dev.sluice.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.validation.ListQuery;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.store.Organization;
import dev.sluice.gateway.store.Project;
import dev.sluice.gateway.store.StoreException;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.Headers;
import io.vertx.ext.web.RoutingContext;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * Shared pieces of the access-administration endpoints: which organization a request is about, OpenAI-style
 * cursor pages, string-list fields, and store failures turned into the error contract (409 conflict, 404 not_found)
 * instead of a 500.
 */
final class AccessAdmin {
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 100;

    private AccessAdmin() {}

    /** Runs blocking store work on a worker and answers its JSON with 200, mapping store failures to the contract. */
    static void work(RoutingContext ctx, Callable<Object> work) {
        AdminHttp.blocking(ctx, 200, () -> {
            try {
                return work.call();
            } catch (StoreException e) {
                throw switch (e.reason()) {
                    case CONFLICT -> ApiException.of(ErrorKind.CONFLICT, "detail", "That object already exists.");
                    case MISSING_REFERENCE -> ApiException.of(ErrorKind.CONFLICT, "detail",
                            "The request refers to an object that does not exist (any more).");
                    case INVALID_STATE -> ApiException.of(ErrorKind.CONFLICT, "detail",
                            "The object is not in a state that allows this change (is the project archived?).");
                    default -> e;
                };
            }
        });
    }

    /**
     * The organization an {@code /v1/organization/...} request is about: the one named by the
     * {@code OpenAI-Organization} header, or the only organization there is. Blocking.
     */
    static Organization organization(RoutingContext ctx, AdminContext a) {
        String id = header(ctx);
        if (id != null) {
            return a.store().organizations().find(id).orElseThrow(() ->
                    ApiException.at(ErrorKind.NOT_FOUND, "OpenAI-Organization", "kind", "organization", "id", id));
        }
        List<Organization> all = a.store().organizations().list();
        if (all.size() == 1) return all.getFirst();
        throw ApiException.at(ErrorKind.MISSING_PARAMETER, "OpenAI-Organization");
    }

    /** A project by path id; 404 when unknown or outside the organization named by the header. Blocking. */
    static Project project(RoutingContext ctx, AdminContext a) {
        String id = ctx.pathParam("project_id");
        String org = header(ctx);
        return a.store().projects().find(id).filter(p -> org == null || p.orgId().equals(org))
                .orElseThrow(() -> ApiException.at(ErrorKind.NOT_FOUND, "project_id", "kind", "project", "id", id));
    }

    private static String header(RoutingContext ctx) {
        String h = ctx.request().getHeader(Headers.REQUEST_ORGANIZATION);
        return h == null || h.isBlank() ? null : h.strip();
    }

    static void audit(AdminContext a, String action, String target, java.util.Map<String, ?> detail) {
        a.store().audit().record(AdminContext.ACTOR, action, target, detail);
    }

    /**
     * One page of {@code items} in OpenAI's list shape: {@code object: "list"}, {@code data}, {@code first_id},
     * {@code last_id}, {@code has_more}, after the {@code after} cursor (an id of the list), {@code limit} long.
     */
    static <T> ObjectNode page(RoutingContext ctx, List<T> items, Function<T, String> id, Function<T, JsonNode> json) {
        ListQuery.Slice<T> page = ListQuery.of(ctx.request().params(), DEFAULT_LIMIT, MAX_LIMIT).slice(items, id);
        return ListQuery.listObject(page.items(), page.hasMore(), json, id);
    }

    static boolean flag(RoutingContext ctx, String name) {
        String v = ctx.request().getParam(name);
        if (v == null || v.isBlank() || v.equals("false")) return false;
        if (v.equals("true")) return true;
        throw ApiException.at(ErrorKind.INVALID_VALUE, name, "why", "expected true or false");
    }

    /** A list of strings field, or null when absent; each element checked by {@code check} (a reason, or null). */
    static List<String> strings(ObjectNode body, String name, Function<String, String> check) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) return null;
        if (!v.isArray()) throw AdminHttp.wrongType(name, "an array of strings", v);
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            String param = name + "[" + i + "]";
            if (!e.isTextual()) throw AdminHttp.wrongType(param, "a string", e);
            String why = check.apply(e.asText());
            if (why != null) throw ApiException.at(ErrorKind.INVALID_VALUE, param, "why", why);
            out.add(e.asText());
        }
        return new ArrayList<>(out);
    }

    static String name(ObjectNode body, String field) {
        String n = AdminHttp.requiredString(body, field).strip();
        if (n.length() > 200) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, field, "why", "at most 200 characters");
        }
        return n;
    }

    static Long seconds(Instant t) {
        return t == null ? null : t.getEpochSecond();
    }

    /** User input echoed in a message: bounded and plain. */
    static String shorten(String v) {
        return ListQuery.shorten(v);
    }
}
