package dev.sluice.gateway.access;

import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Scopes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pure pieces of access control: address literals, CIDRs, forwarded-for resolution, country tables, scopes. */
class AddressesAndScopesTest {

    static byte[] ip(String s) {
        return IpAddresses.parse(s);
    }

    @Test
    void literalsParseWithoutNameLookupsAndPrintInTheirConventionalForm() {
        assertThat(IpAddresses.normalize("192.168.0.1")).isEqualTo("192.168.0.1");
        assertThat(IpAddresses.normalize("2001:0db8:0000:0000:0000:0000:0000:0005")).isEqualTo("2001:db8::5");
        assertThat(IpAddresses.normalize("[::1]")).isEqualTo("::1");
        assertThat(IpAddresses.normalize("2001:db8:0:1:0:0:0:1")).isEqualTo("2001:db8:0:1::1");
        assertThat(IpAddresses.normalize("::ffff:10.1.2.3")).as("IPv4-mapped is IPv4").isEqualTo("10.1.2.3");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost", "example.com", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4:80",
            "fe80::1%eth0", "::g", "1.2.3.-4", " "})
    void anythingElseIsNotAnAddress(String s) {
        assertThat(IpAddresses.parse(s)).isNull();
    }

    @Test
    void cidrsMatchTheirNetworkOnlyAndCanonicalizeHostBits() {
        Cidr v4 = Cidr.parse("10.1.2.3/8");
        assertThat(v4).hasToString("10.0.0.0/8").isEqualTo(Cidr.parse("10.0.0.0/8"));
        assertThat(v4.contains(ip("10.255.0.1"))).isTrue();
        assertThat(v4.contains(ip("11.0.0.1"))).isFalse();
        assertThat(v4.contains(ip("::ffff:10.0.0.1"))).isTrue();
        assertThat(Cidr.parse("192.168.1.128/25").contains(ip("192.168.1.127"))).isFalse();
        assertThat(Cidr.parse("192.168.1.128/25").contains(ip("192.168.1.200"))).isTrue();
        Cidr v6 = Cidr.parse("2001:db8::/32");
        assertThat(v6.contains(ip("2001:db8:ffff::1"))).isTrue();
        assertThat(v6.contains(ip("2001:db9::1"))).isFalse();
        assertThat(v6.contains(ip("10.0.0.1"))).as("an IPv4 address is never in an IPv6 network").isFalse();
        assertThat(Cidr.parse("203.0.113.7")).hasToString("203.0.113.7/32");
        assertThat(Cidr.parse("0.0.0.0/0").contains(ip("8.8.8.8"))).isTrue();
        assertThat(Cidr.parse("::/0").contains(ip("8.8.8.8"))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "2001:db8::/129", "10.0.0.0/-1", "10.0.0.0/", "host.example/8", "10.0.0.0/8/8"})
    void badCidrsAreRefusedWithAReason(String s) {
        assertThatThrownBy(() -> Cidr.parse(s)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'");
    }

    @Test
    void forwardedForIsIgnoredUnlessThePeerIsATrustedProxy() {
        TrustedProxies proxies = TrustedProxies.parse(List.of("10.0.0.0/8", "fd00::/8"));
        ClientAddress direct = proxies.resolve("203.0.113.5", List.of("10.9.9.9"));
        assertThat(direct.ip()).isEqualTo("203.0.113.5");
        assertThat(direct.viaTrustedProxy()).isFalse();
        assertThat(TrustedProxies.none().resolve("10.0.0.1", List.of("1.1.1.1")).ip()).isEqualTo("10.0.0.1");
    }

    @Test
    void theRightMostUntrustedHopIsTheClient() {
        TrustedProxies proxies = TrustedProxies.parse(List.of("10.0.0.0/8", "fd00::/8"));
        assertThat(proxies.resolve("10.0.0.1", List.of("198.51.100.1, 203.0.113.9, 10.0.0.7")).ip())
                .isEqualTo("203.0.113.9");
        assertThat(proxies.resolve("10.0.0.1", List.of("198.51.100.1", "203.0.113.9")).ip())
                .as("several headers are one list").isEqualTo("203.0.113.9");
        assertThat(proxies.resolve("fd00::1", List.of("2001:db8::9")).ip()).isEqualTo("2001:db8::9");
        assertThat(proxies.resolve("10.0.0.1", List.of("10.0.0.3, 10.0.0.2")).ip())
                .as("all trusted: the left-most").isEqualTo("10.0.0.3");
        assertThat(proxies.resolve("10.0.0.1", List.of()).ip()).as("no header: the proxy itself").isEqualTo("10.0.0.1");
        ClientAddress garbage = proxies.resolve("10.0.0.1", List.of("203.0.113.9, <script>"));
        assertThat(garbage.ip()).isNull();
        assertThat(garbage.display()).isEqualTo("unknown");
        assertThat(garbage.address()).isNull();
    }

    @Test
    void theCountryTableTakesTheLongestPrefix() throws Exception {
        Path f = Files.createTempFile("countries", ".csv");
        try {
            Files.writeString(f, "# comment\n\n198.51.100.0/24,ru\n198.51.100.128/25,NZ\n2001:db8::/32,DE\n0.0.0.0/0,US\n");
            CountryTable t = CountryTable.load(f);
            assertThat(t.size()).isEqualTo(4);
            assertThat(t.country(ip("198.51.100.1"))).isEqualTo("RU");
            assertThat(t.country(ip("198.51.100.129"))).isEqualTo("NZ");
            assertThat(t.country(ip("8.8.8.8"))).isEqualTo("US");
            assertThat(t.country(ip("2001:db8::1"))).isEqualTo("DE");
            assertThat(t.country(ip("2001:db9::1"))).isNull();
            assertThat(t.country(null)).isNull();
        } finally {
            Files.delete(f);
        }
    }

    @Test
    void theCountryHeaderCountsOnlyThroughATrustedProxy() {
        CountryLookup lookup = new CountryLookup("cf-ipcountry", CountryTable.empty());
        ClientAddress viaProxy = TrustedProxies.parse(List.of("10.0.0.0/8")).resolve("10.0.0.1", List.of("1.2.3.4"));
        ClientAddress direct = ClientAddress.direct("1.2.3.4");
        assertThat(lookup.country(viaProxy, h -> h.equals("cf-ipcountry") ? "nz" : null)).isEqualTo("NZ");
        assertThat(lookup.country(direct, h -> "NZ")).isNull();
        assertThat(lookup.country(viaProxy, h -> "XX1")).as("not a country code").isNull();
    }

    @Test
    void scopesCoverTheirEndpointsAndTheBroadScopesCoverByMethod() {
        assertThat(Scopes.allows(Set.of(), Endpoint.CHAT_COMPLETIONS, "POST")).as("unrestricted").isTrue();
        assertThat(Scopes.allows(Set.of("model.request"), Endpoint.EMBEDDINGS, "POST")).isTrue();
        assertThat(Scopes.allows(Set.of("model.request"), Endpoint.MODELS_LIST, "GET")).isFalse();
        assertThat(Scopes.allows(Set.of("model.read"), Endpoint.MODELS_GET, "GET")).isTrue();
        assertThat(Scopes.allows(Set.of("api.read"), Endpoint.MODELS_LIST, "GET")).isTrue();
        assertThat(Scopes.allows(Set.of("api.read"), Endpoint.RESPONSES, "POST")).isFalse();
        assertThat(Scopes.allows(Set.of("api.write"), Endpoint.IMAGES, "POST")).isTrue();
        assertThat(Scopes.required(Endpoint.RESPONSES, "POST")).isEqualTo("model.request");
        assertThat(Scopes.required(Endpoint.MODELS_LIST, "GET")).isEqualTo("model.read");
    }

    @Test
    void aPolicyAdmitsWhatEveryLevelWithAListAdmits() {
        AccessPolicy p = new AccessPolicy(List.of(Cidr.parse("10.0.0.0/8")), List.of(Cidr.parse("10.1.0.0/16")),
                Set.of("KP"), Set.of("a", "b"), Set.of(), Set.of("a"));
        assertThat(p.admits(ip("10.1.2.3"))).isTrue();
        assertThat(p.admits(ip("10.2.0.1"))).as("org admits, project does not").isFalse();
        assertThat(p.admits(null)).isFalse();
        assertThat(AccessPolicy.OPEN.admits(null)).isTrue();
        assertThat(p.supports("KP")).isFalse();
        assertThat(p.supports(null)).isTrue();
        assertThat(p.sees("c")).isFalse();
        assertThat(p.sees("b")).isTrue();
        assertThat(p.mayUse("b")).isFalse();
        assertThat(p.mayUse("a")).isTrue();
    }

    @Test
    void directAddressesOfAlternatingPeersAreEachTheirOwn() {
        for (int i = 0; i < 3; i++) {
            assertThat(ClientAddress.direct("10.0.0.1").display()).isEqualTo("10.0.0.1");
            assertThat(ClientAddress.direct("10.0.0.1").address()).containsExactly(10, 0, 0, 1);
            assertThat(ClientAddress.direct("2001:db8:0:0::5").display()).isEqualTo("2001:db8::5");
            assertThat(ClientAddress.direct("not-an-ip").display()).isEqualTo("not-an-ip");
            assertThat(ClientAddress.direct("not-an-ip").address()).isNull();
            assertThat(ClientAddress.direct(null).display()).isEqualTo("unknown");
            assertThat(ClientAddress.direct("10.0.0.2").address()).containsExactly(10, 0, 0, 2);
        }
    }
}
