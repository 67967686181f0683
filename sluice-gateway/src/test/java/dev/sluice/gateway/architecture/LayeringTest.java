package dev.sluice.gateway.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import dev.sluice.gateway.pipeline.Stage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The gateway's package layering, checked on the compiled classes: no package cycles (each package is a slice, a
 * sub-package its own), and stages that do not reach into each other. Cycles that remain are listed below by name,
 * each with why it is still there; a new cycle, or a stage that starts calling another stage, fails this test.
 */
class LayeringTest {
    /**
     * Packages merged into one slice because a known cycle joins them (see docs/architecture.md, "Package layering").
     * Remove an entry when its cycle is broken; never add one without saying why here. Empty since issue 12's
     * layering step: the provider registry moved to {@code upstream.providers} (above {@code upstream} and the provider
     * packages) and {@code lifecycle.Signals} takes {@code Signals.Handlers} instead of calling back into Gateway.
     */
    static final Map<String, String> KNOWN_CYCLES = Map.of();

    static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.sluice.gateway");
    }

    /** Each package its own slice, except the known cycles above, merged into the package they cycle with. */
    static final SliceAssignment PACKAGES = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
            String pkg = c.getPackageName();
            if (!pkg.startsWith("dev.sluice.gateway")) return SliceIdentifier.ignore();
            String rel = pkg.equals("dev.sluice.gateway") ? "root" : pkg.substring("dev.sluice.gateway.".length());
            return SliceIdentifier.of(KNOWN_CYCLES.getOrDefault(rel, rel));
        }

        @Override
        public String getDescription() {
            return "gateway packages (known cycles merged)";
        }
    };

    @Test
    void gatewayPackagesHaveNoCyclesBeyondTheNamedOnes() {
        ArchRule rule = slices().assignedFrom(PACKAGES).should().beFreeOfCycles();
        rule.check(classes);
    }

    @Test
    void theNamedCyclesAreStillCycles() {
        // an entry whose cycle is gone must be removed, so the exception list never outlives the problem
        for (Map.Entry<String, String> e : KNOWN_CYCLES.entrySet()) {
            if (!reaches(pkg(e.getKey()), pkg(e.getValue()))) {
                throw new AssertionError("no longer a cycle, remove it from KNOWN_CYCLES: " + e);
            }
        }
    }

    @Test
    void aStageDoesNotDependOnAnotherStage() {
        DescribedPredicate<JavaClass> stage = DescribedPredicate.describe("a stage",
                c -> c.isAssignableTo(Stage.class) && !c.isInterface());
        for (JavaClass s : classes.that(stage)) {
            noClasses().that().belongToAnyOf(s.reflect())
                    .should().dependOnClassesThat(DescribedPredicate.and(stage,
                            DescribedPredicate.describe("other than " + s.getSimpleName(),
                                    (JavaClass c) -> !c.equals(s) && !c.getName().startsWith(s.getName() + "$"))))
                    .because("stages share helpers (resolvers, ModelSwitch, BodyBudget), never each other")
                    .allowEmptyShould(true)
                    .check(classes);
        }
    }

    private static String pkg(String rel) {
        return rel.equals("root") ? "dev.sluice.gateway" : "dev.sluice.gateway." + rel;
    }

    /** True when {@code from} and {@code to} are in one strongly connected group (a cycle through others). */
    private static boolean reaches(String from, String to) {
        return path(from, to, new java.util.HashSet<>()) && path(to, from, new java.util.HashSet<>());
    }

    private static boolean path(String from, String to, java.util.Set<String> seen) {
        if (from.equals(to)) return true;
        if (!seen.add(from)) return false;
        java.util.Set<String> next = new java.util.HashSet<>();
        classes.stream().filter(c -> c.getPackageName().equals(from)).forEach(c -> c.getDirectDependenciesFromSelf()
                .forEach(d -> {
                    String p = d.getTargetClass().getPackageName();
                    if (p.startsWith("dev.sluice.gateway") && !p.equals(from)) next.add(p);
                }));
        for (String n : next) if (path(n, to, seen)) return true;
        return false;
    }
}
