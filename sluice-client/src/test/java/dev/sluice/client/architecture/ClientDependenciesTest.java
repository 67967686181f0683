package dev.sluice.client.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The SDK's dependency boundary, checked on its compiled classes: it uses sluice-protocol, the JDK and Jackson only
 * (never the gateway, the simulator or Vert.x, which its tests use), and its packages have no cycles.
 */
class ClientDependenciesTest {
    static final JavaClasses CLIENT = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.sluice.client");

    @Test
    void theClientDependsOnProtocolJdkAndJacksonOnly() {
        classes().that().resideInAPackage("dev.sluice.client..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("dev.sluice.client..", "dev.sluice.protocol..",
                        "java..", "javax..", "com.fasterxml.jackson..")
                .check(CLIENT);
    }

    @Test
    void clientPackagesHaveNoCycles() {
        slices().matching("dev.sluice.client.(**)").should().beFreeOfCycles().allowEmptyShould(true).check(CLIENT);
    }
}
