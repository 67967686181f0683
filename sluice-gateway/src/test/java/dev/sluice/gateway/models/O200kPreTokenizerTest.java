package dev.sluice.gateway.models;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Differential test of the fast o200k_base path against jtokkit 1.1.0's reference: the pieces must be exactly those
 * jtokkit's pattern finds (compiled as jtokkit compiles it) and the counts exactly those of jtokkit's o200k_base
 * encoding, on a large generated corpus of prose, code, numbers, punctuation, whitespace, scripts, emoji, surrogates
 * and random code point soup.
 */
class O200kPreTokenizerTest {
    /** jtokkit 1.1.0's o200k_base pattern (EncodingFactory.o200kBase: these seven alternatives joined by '|'). */
    static final String JTOKKIT_O200K_PATTERN = String.join("|",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
            "\\p{N}{1,3}",
            " ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*",
            "\\s*[\\r\\n]+",
            "\\s+(?!\\S)",
            "\\s+");
    /** jtokkit's EncodingFactory.compileRegex(pattern, false): UNICODE_CHARACTER_CLASS. */
    static final Pattern REFERENCE = Pattern.compile(JTOKKIT_O200K_PATTERN, Pattern.UNICODE_CHARACTER_CLASS);
    static final Encoding JTOKKIT_O200K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    static List<String> referencePieces(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher m = REFERENCE.matcher(text);
        int expectedStart = 0;
        while (m.find()) {
            if (m.start() != expectedStart) fail("the reference skipped characters at " + expectedStart + " in " + show(text));
            pieces.add(m.group());
            expectedStart = m.end();
        }
        return pieces;
    }

    static List<String> fastPieces(String text) {
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < text.length(); ) {
            int end = O200kPreTokenizer.pieceEnd(text, i);
            if (end <= i) fail("no progress at " + i + " in " + show(text));
            pieces.add(text.substring(i, end));
            i = end;
        }
        return pieces;
    }

    static String show(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F) b.appendCodePoint(cp);
            else b.append("\\u{").append(Integer.toHexString(cp)).append('}');
        });
        return b.append('"').toString();
    }

    @Test
    void everyCodePointFallsInTheSameCharacterClassesAsInJtokkitsPattern() {
        Map<Integer, Pattern> classes = new LinkedHashMap<>();
        classes.put(O200kPreTokenizer.LETTER_NUMBER, Pattern.compile("[\\p{L}\\p{N}]", Pattern.UNICODE_CHARACTER_CLASS));
        classes.put(O200kPreTokenizer.UPPER, Pattern.compile("[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]", Pattern.UNICODE_CHARACTER_CLASS));
        classes.put(O200kPreTokenizer.LOWER, Pattern.compile("[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]", Pattern.UNICODE_CHARACTER_CLASS));
        classes.put(O200kPreTokenizer.NUMBER, Pattern.compile("\\p{N}", Pattern.UNICODE_CHARACTER_CLASS));
        classes.put(O200kPreTokenizer.SPACE, Pattern.compile("\\s", Pattern.UNICODE_CHARACTER_CLASS));
        classes.put(O200kPreTokenizer.CR_LF, Pattern.compile("[\\r\\n]", Pattern.UNICODE_CHARACTER_CLASS));
        Map<Integer, Matcher> matchers = new LinkedHashMap<>();
        classes.forEach((bit, p) -> matchers.put(bit, p.matcher("")));
        int checked = 0;
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            String s = Character.toString(cp);
            int cls = O200kPreTokenizer.classOf(cp);
            for (Map.Entry<Integer, Matcher> e : matchers.entrySet()) {
                boolean expected = e.getValue().reset(s).matches();
                if (expected != ((cls & e.getKey()) != 0)) {
                    fail("U+" + Integer.toHexString(cp) + " class bit " + e.getKey() + " should be " + expected);
                }
            }
            checked++;
        }
        assertThat(checked).isEqualTo(0x110000);
    }

    @Test
    void piecesAndCountsEqualJtokkitsO200kOnAGeneratedCorpus() {
        List<String> corpus = Corpus.generate();
        TokenCounter fast = new TokenCounter();
        Map<String, Integer> perCategory = new LinkedHashMap<>();
        long tokens = 0;
        for (String sample : corpus) {
            List<String> expected = referencePieces(sample);
            List<String> actual = fastPieces(sample);
            if (!expected.equals(actual)) {
                fail("pieces differ for " + show(sample) + "\n expected " + expected.stream().map(O200kPreTokenizerTest::show).toList()
                        + "\n actual   " + actual.stream().map(O200kPreTokenizerTest::show).toList());
            }
            int reference = JTOKKIT_O200K.countTokensOrdinary(sample);
            int counted = fast.countText("o200k_base", sample);
            if (reference != counted) fail("count " + counted + " instead of " + reference + " for " + show(sample));
            tokens += reference;
        }
        assertThat(corpus).hasSizeGreaterThan(30_000).contains("");
        assertThat(tokens).isGreaterThan(200_000);
    }

    @Test
    void aPieceCountedAloneHasTheTokensItHasInsideTheText() {
        String text = Corpus.PROSE + Corpus.CODE_JAVA + Corpus.CODE_PYTHON + String.join("", Corpus.FRAGMENTS);
        int sum = 0;
        for (String piece : fastPieces(text)) sum += JTOKKIT_O200K.countTokensOrdinary(piece);
        assertThat(sum).isEqualTo(JTOKKIT_O200K.countTokensOrdinary(text));
        assertThat(new TokenCounter().countText("o200k_base", text)).isEqualTo(sum);
    }

    @Test
    void messagesAreCountedWithTheSameTotalsAsWithJtokkitsO200kEncoding() throws Exception {
        var messages = new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                [{"role":"system","content":"You're a careful assistant. DON'T leak secrets."},
                 {"role":"user","name":"ana","content":[{"type":"text","text":"HTTPServer says: 'E_FAIL' 404\\r\\n\\r\\n/tmp/x"}]},
                 {"role":"assistant","content":"你好 👨‍👩‍👧‍👦 नमस्ते","tool_calls":[{"id":"c1","function":{"name":"f","arguments":"{\\"a\\":1}"}}]}]
                """);
        int expected = 3;
        for (var m : messages) {
            expected += 3 + JTOKKIT_O200K.countTokensOrdinary(m.path("role").asText());
            if (m.has("name")) expected += 1 + JTOKKIT_O200K.countTokensOrdinary(m.get("name").asText());
            var content = m.get("content");
            if (content.isTextual()) expected += JTOKKIT_O200K.countTokensOrdinary(content.asText());
            else for (var part : content) expected += JTOKKIT_O200K.countTokensOrdinary(part.get("text").asText());
            if (m.has("tool_calls")) expected += JTOKKIT_O200K.countTokensOrdinary(m.get("tool_calls").toString());
        }
        assertThat(new TokenCounter().countMessages("o200k_base", messages)).isEqualTo(expected);
        assertThat(new TokenCounter().countMessages("O200K_BASE", messages)).isEqualTo(expected);
    }

    @Test
    void theReferencePatternAndFlagsAreTheOnesJtokkitsO200kEncodingUses() throws Exception {
        var field = JTOKKIT_O200K.getClass().getDeclaredField("pattern");
        field.setAccessible(true);
        Pattern jtokkits = (Pattern) field.get(JTOKKIT_O200K);
        assertThat(jtokkits.pattern()).isEqualTo(REFERENCE.pattern());
        assertThat(jtokkits.flags()).isEqualTo(REFERENCE.flags());
        assertThat(O200kCounter.loadRanks()).hasSize(199_998);
    }

    /** The generated corpus: fixed fragments of every category, their pairs, random mixtures and random code points. */
    static final class Corpus {
        static final String PROSE = """
                It's a truth universally acknowledged that we'd've gone if they'd asked. I'M SURE THEY'LL SAY IT'S FINE;
                YOU'VE SEEN WHAT THEY'RE LIKE, HE'D AGREE. Don't, won't, can't, shouldn't've. The dog's bone; the dogs' bones.
                "Quoted," she said -- and then... nothing? Well!!! O'Neill & McDonald's (est. 1955) aren't the same.
                Mixed 'S 'T 'RE 'VE 'M 'LL 'D 'Re 'rE 'vE 'Ll 'lL 'ſ it'ſ x's X'S 'sTOP ''s 's' ' s
                """;
        static final String CODE_JAVA = "public final class Foo {\r\n\tprivate int x = 42;   \r\n\t// TODO: fix   \n"
                + "\tpublic static void main(String[] args) {\n\t\tSystem.out.println(\"Hello, \" + args[0]);\n\t}\n}\n\n";
        static final String CODE_JSON = "{\n  \"model\": \"sim-mini\",\n  \"max_tokens\": 4096,\n  \"temperature\": 0.7,\n"
                + "  \"messages\": [{\"role\":\"user\",\"content\":\"hi\"}],\n  \"stop\": null\n}\n";
        static final String CODE_PYTHON = "def f(x):\n    if x > 0:  \n        return x ** 2\n    \n    return -x\n\n\n"
                + "class A(B):\n    '''Doc string.'''\n    pass\r\n# comment\n    \t  \n";
        static final String[] FRAGMENTS = {
                "", " ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\r\n", "\r\n\r\n", "\r", " \n", "\n ", " \n ", "  \n  x",
                "\u00a0", "\u3000", "\u2028", "\u2029", "\u0085", "\u000b", "\u000c", "\u001c", "\u001f", "\u200b", "\u2009x",
                "hello", "Hello", "HELLO", " world", "HTTPServer", "iPhone", "XMLHttpRequest", "getHTTPResponseCode",
                "McDonald's", "ABC'S", "I'm", "I'M", "you'll", "YOU'LL", "you'Ll", "we've", "WE'VE", "they're", "THEY'RE",
                "he'd", "HE'D", "it's", "IT'S", "don't", "DON'T", "it'ſ", "x'", "'", "''", "'s", "'S", "'ll", "'re", "'ve",
                "1", "12", "123", "1234", "12345", "1234567", "3.14159", "1,000,000", "٣٤٥٦", "१२३४", "Ⅻ", "½", "①②③④",
                "𝟘𝟙𝟚𝟛", "0x1F", "v1.2.3", "2026-03-10T12:00:00Z", "...", "!!!", "?!", "---", "===>", "/", "//", "/\n",
                "/\r\n", "...\r\n\r\n", "*/\n", ";\n\n", " //", "\\", "@#$%^&*()", " /*", "//\n\n/", "<|endoftext|>",
                "你好，世界。", "日本語のテキスト", "한국어 텍스트", "مرحبا بالعالم", "مَرْحَبًا", "नमस्ते दुनिया", "क्षत्रिय",
                "e\u0301", "\u0301abc", " \u0301", "\u0301", "a\u0301\u0302B", "x\u20dd", "\u0903", "Ǆ", "ǅ", "ǅungla",
                "ǈ", "ᾈ", "Džungla", "ʰ", "ˈ", "ʼ", "ʼs", "ー", "々", "aʰB", "ǅǅ", "ABCǅ", "ABCʰ", "ABCʰD", "ABC\u0301D",
                "👍", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "❤️", "🇺🇸", "😀😀😀", "𝐇𝐞𝐥𝐥𝐨", "𝐇𝐄𝐋𝐋𝐎", "𠜎𠜱",
                "\uD800", "a\uDC00b", "\uD83D", "\uDE00\uD83D", " \uD800x", "\uDBFF\uDFFF", "ſ", "K", "İstanbul",
        };
        static final int[][] BLOCKS = {
                {0x20, 0x7E}, {0x20, 0x7E}, {0x20, 0x7E}, {0x00, 0x20}, {0xA0, 0x24F}, {0x250, 0x2FF}, {0x300, 0x36F},
                {0x370, 0x3FF}, {0x400, 0x4FF}, {0x600, 0x6FF}, {0x900, 0x97F}, {0x1E00, 0x1FFF}, {0x2000, 0x206F},
                {0x2100, 0x218F}, {0x2460, 0x24FF}, {0x3000, 0x30FF}, {0x4E00, 0x4FFF}, {0xAC00, 0xACFF},
                {0xD800, 0xDFFF}, {0xFE00, 0xFE0F}, {0x1D400, 0x1D7FF}, {0x1F300, 0x1F6FF}, {0x1F900, 0x1F9FF},
                {0x20000, 0x200FF}, {0xE0000, 0xE007F}, {0x0, 0x10FFFF},
        };
        static final String TRICKY = "'sStTrReEvVmMlLdDſ \r\n/\t.,!?0123456789aAǅʰ\u0301";

        static List<String> generate() {
            Random random = new Random(20260310);
            List<String> corpus = new ArrayList<>();
            String[] texts = {PROSE, CODE_JAVA, CODE_JSON, CODE_PYTHON};
            for (String t : texts) {
                corpus.add(t);
                corpus.add(t.replace("\n", "\r\n"));
                corpus.add(t.toUpperCase(java.util.Locale.ROOT));
                for (String line : t.split("\n", -1)) corpus.add(line);
            }
            for (String f : FRAGMENTS) corpus.add(f);
            for (int len : new int[] {85, 86, 127, 128, 255, 256, 257, 300, 600, 5_000}) {   // pieces near and over
                corpus.add(" " + "abcdefghij".repeat(len / 10 + 1).substring(0, len));      // the long-piece limit
                corpus.add("x" + "\u00e9".repeat(len / 2) + "y");
                corpus.add("\u4f60\u597d".repeat(len / 2));
                corpus.add("\uD83D\uDE00".repeat(len / 4 + 1));
                corpus.add(" ".repeat(len) + "x");
                corpus.add("!@#".repeat(len / 3 + 1) + "/\n");
                corpus.add("QmFzZTY0IGRhdGEgaW4gYSBwcm9tcHQ".repeat(len / 30 + 1));
            }
            for (String a : FRAGMENTS) {                                       // every ordered pair of fragments
                for (String b : FRAGMENTS) corpus.add(a + b);
            }
            for (int i = 0; i < 4_000; i++) {                                  // random mixtures of fragments and text
                StringBuilder b = new StringBuilder();
                int parts = 2 + random.nextInt(8);
                for (int k = 0; k < parts; k++) {
                    if (random.nextInt(5) == 0) {
                        String t = texts[random.nextInt(texts.length)];
                        int from = random.nextInt(t.length());
                        b.append(t, from, Math.min(t.length(), from + 1 + random.nextInt(40)));
                    } else {
                        b.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
                    }
                }
                corpus.add(b.toString());
            }
            for (int i = 0; i < 6_000; i++) {                                  // code point soup
                StringBuilder b = new StringBuilder();
                int length = 1 + random.nextInt(40);
                for (int k = 0; k < length; k++) {
                    if (random.nextInt(3) == 0) {
                        b.append(TRICKY.charAt(random.nextInt(TRICKY.length())));
                    } else {
                        int[] block = BLOCKS[random.nextInt(BLOCKS.length)];
                        int cp = block[0] + random.nextInt(block[1] - block[0] + 1);
                        if (cp <= 0xFFFF) b.append((char) cp); else b.appendCodePoint(cp);
                    }
                }
                corpus.add(b.toString());
            }
            return corpus;
        }
    }
}
