package dev.sluice.gateway.upstream.providers;

import dev.sluice.gateway.config.choice.Provider;
import org.junit.jupiter.api.Test;

import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProviderAdaptersTest {
    @Test
    void everyConfigNameFindsItsProvidersAdapterWhateverItsCaseOrSpaces() {
        for (Provider p : Provider.values()) {
            String name = p.configName();
            assertThat(ProviderAdapters.of(name).provider()).isEqualTo(p);
            assertThat(ProviderAdapters.of(" " + name.toUpperCase(Locale.ROOT) + " ")).isSameAs(ProviderAdapters.of(name));
        }
    }

    @Test
    void anUnknownProviderIsRefusedWithItsName() {
        assertThatThrownBy(() -> ProviderAdapters.of("opneai")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'opneai'");
        assertThatThrownBy(() -> ProviderAdapters.of(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
