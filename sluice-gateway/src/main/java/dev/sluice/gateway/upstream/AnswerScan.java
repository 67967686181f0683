package dev.sluice.gateway.upstream;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.json.Json;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.io.IOException;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Reads a whole JSON answer without building its tree: one pass of the streaming parser over the body, which keeps
 * only the top-level fields that are read (an OpenAI-compatible answer's {@code error}, {@code detail}) as small
 * trees, reads the token counts of its {@code usage} as they go by, and skips the rest (the choices, the message text)
 * token by token. The answer is passed on to the caller as the upstream's bytes, so nothing else of it is needed.
 * {@link #fields} is the pass itself, for other readers (a stream event's check).
 *
 * <p>Gives the same verdict as {@code ObjectMapper.readTree}: null for a body that is not JSON, is cut short, or is not
 * one JSON object (what follows the root object is ignored, as {@code readTree} ignores it); a key given twice keeps
 * its last value. The skeleton it returns has every top-level field of the answer, so {@code has(name)} is true for
 * each; the fields not kept hold {@link #SKIPPED} (a value that is not JSON null), so only the kept ones may be read.
 */
final class AnswerScan {
    private static final ObjectMapper JSON = Json.MAPPER;
    /** What a top-level field not kept holds in the skeleton: present, not null, not read. */
    static final JsonNode SKIPPED = JSON.getNodeFactory().textNode("(skipped)");

    private AnswerScan() {
    }

    /**
     * An OpenAI-compatible answer read in one pass: its skeleton with {@code error} and {@code detail} whole (what
     * the adapters' {@code carriesError} reads) and {@code usage} skipped, and the usage's token counts; null when
     * {@code body} is not a JSON object.
     */
    static OpenAiAnswer openAi(Buffer body) {
        OpenAiAnswer a = new OpenAiAnswer();
        return fields(body, a) ? a : null;
    }

    /** The reader of {@link #openAi}, and what it read. */
    static final class OpenAiAnswer implements FieldVisitor {
        private final ObjectNode root = skeletonNode();
        private ProviderAdapter.Usage usage;

        private OpenAiAnswer() {
        }

        /** Every top-level field: {@code error} and {@code detail} whole, the others {@link #SKIPPED}. */
        ObjectNode skeleton() {
            return root;
        }

        /** The token counts of the answer's {@code usage} object, null when it has none (or not an object). */
        ProviderAdapter.Usage usage() {
            return usage;
        }

        @Override
        public void field(String name, JsonToken value, JsonParser p) throws IOException {
            switch (name) {
                case "error", "detail" -> root.set(name, tree(p));
                case "usage" -> {
                    usage = value == JsonToken.START_OBJECT ? readUsage(p) : null;
                    root.set(name, SKIPPED);
                }
                default -> root.set(name, SKIPPED);
            }
        }
    }

    /**
     * The token fields of a usage object, the parser on its start: each as the tree would hold it (a plain int as
     * an {@link IntNode} without reading a tree, anything else read whole), the other fields skipped; a field given
     * twice keeps its last value. The parser is left on the object's end.
     */
    private static ProviderAdapter.Usage readUsage(JsonParser p) throws IOException {
        JsonNode prompt = null, completion = null, input = null, output = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "prompt_tokens" -> prompt = tokenCount(t, p);
                case "completion_tokens" -> completion = tokenCount(t, p);
                case "input_tokens" -> input = tokenCount(t, p);
                case "output_tokens" -> output = tokenCount(t, p);
                default -> p.skipChildren();
            }
        }
        return new ProviderAdapter.Usage(prompt, completion, input, output);
    }

    private static JsonNode tokenCount(JsonToken t, JsonParser p) throws IOException {
        if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
            return IntNode.valueOf(p.getIntValue());
        }
        return tree(p);
    }

    /** The value the parser is on, whole, as {@code readTree} gives it (JSON null as a null node). */
    private static JsonNode tree(JsonParser p) throws IOException {
        JsonNode v = p.readValueAsTree();
        return v == null ? JSON.getNodeFactory().nullNode() : v;
    }

    /** An object node over {@link Fields}: a skeleton is read a few times, by name, and dropped. */
    private static ObjectNode skeletonNode() {
        return new ObjectNode(JSON.getNodeFactory(), new Fields());
    }

    /**
     * The fields of a skeleton in the order they came, in two arrays searched by name: an answer has a handful of
     * top-level fields, and a hash map's table and one entry object per field are more than the lookups need. Setting
     * a field again replaces its value in place (where a LinkedHashMap keeps it too).
     */
    static final class Fields extends AbstractMap<String, JsonNode> {
        private String[] names = new String[8];
        private JsonNode[] values = new JsonNode[8];
        private int size;

        @Override
        public JsonNode get(Object name) {
            int i = indexOf(name);
            return i < 0 ? null : values[i];
        }

        @Override
        public boolean containsKey(Object name) {
            return indexOf(name) >= 0;
        }

        @Override
        public JsonNode put(String name, JsonNode value) {
            int i = indexOf(name);
            if (i >= 0) {
                JsonNode old = values[i];
                values[i] = value;
                return old;
            }
            if (size == names.length) {
                names = Arrays.copyOf(names, size * 2);
                values = Arrays.copyOf(values, size * 2);
            }
            names[size] = name;
            values[size++] = value;
            return null;
        }

        @Override
        public JsonNode remove(Object name) {
            int i = indexOf(name);
            if (i < 0) return null;
            JsonNode old = values[i];
            System.arraycopy(names, i + 1, names, i, size - i - 1);
            System.arraycopy(values, i + 1, values, i, size - i - 1);
            names[--size] = null;
            values[size] = null;
            return old;
        }

        @Override
        public void clear() {
            Arrays.fill(names, 0, size, null);
            Arrays.fill(values, 0, size, null);
            size = 0;
        }

        @Override
        public int size() {
            return size;
        }

        /** Where {@code name} is, or -1; names are told apart by their (cached) hash before their characters. */
        private int indexOf(Object name) {
            if (!(name instanceof String wanted)) return -1;
            int hash = wanted.hashCode();
            for (int i = 0; i < size; i++) {
                String n = names[i];
                if (n == wanted || n.hashCode() == hash && n.equals(wanted)) return i;
            }
            return -1;
        }

        @Override
        public Set<Map.Entry<String, JsonNode>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public int size() {
                    return size;
                }

                @Override
                public Iterator<Map.Entry<String, JsonNode>> iterator() {
                    return new Iterator<>() {
                        private int next;
                        private int last = -1;

                        @Override
                        public boolean hasNext() {
                            return next < size;
                        }

                        @Override
                        public Map.Entry<String, JsonNode> next() {
                            if (next >= size) throw new NoSuchElementException();
                            int i = last = next++;
                            return new AbstractMap.SimpleEntry<>(names[i], values[i]) {
                                @Override
                                public JsonNode setValue(JsonNode value) {
                                    values[i] = value;
                                    return super.setValue(value);
                                }
                            };
                        }

                        @Override
                        public void remove() {
                            if (last < 0) throw new IllegalStateException();
                            Fields.this.remove(names[last]);
                            next = last;
                            last = -1;
                        }
                    };
                }
            };
        }
    }

    /** Sees one top-level field: its name, its value's first token, and the parser on that token. */
    interface FieldVisitor {
        /** May read the value ({@code p.readValueAsTree()}, {@code p.getText()}); whatever it leaves is skipped. */
        void field(String name, JsonToken value, JsonParser p) throws IOException;
    }

    /**
     * Shows {@code visitor} each top-level field of the JSON object {@code json} starts with, in order, skipping every
     * value token by token (still checked to be well-formed). False when {@code json} is not JSON, is cut short or does
     * not start with an object — the verdict of {@code readTree}, which also ignores what follows the root value.
     */
    static boolean fields(byte[] json, FieldVisitor visitor) {
        try {
            return walk(JSON.getFactory().createParser(json), visitor);
        } catch (IOException e) {
            return false;
        }
    }

    /** {@link #fields(byte[], FieldVisitor)} of a buffer, read in place when it is on the heap. */
    static boolean fields(Buffer json, FieldVisitor visitor) {
        if (json instanceof BufferInternal internal) {
            ByteBuf bytes = internal.getByteBuf();
            if (bytes.hasArray()) {
                try {
                    return walk(JSON.getFactory().createParser(bytes.array(),
                            bytes.arrayOffset() + bytes.readerIndex(), bytes.readableBytes()), visitor);
                } catch (IOException e) {
                    return false;
                }
            }
        }
        return fields(json.getBytes(), visitor);
    }

    /** {@link #fields(byte[], FieldVisitor)} of a string. */
    static boolean fields(String json, FieldVisitor visitor) {
        try {
            return walk(JSON.getFactory().createParser(json), visitor);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean walk(JsonParser parser, FieldVisitor visitor) {
        try (JsonParser p = parser) {
            if (p.nextToken() != JsonToken.START_OBJECT) return false;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                visitor.field(name, p.nextToken(), p);
                p.skipChildren(); // a no-op when the visitor read the value whole
            }
            return t == JsonToken.END_OBJECT;
        } catch (Exception malformed) { // not JSON, cut short, or a value Jackson refuses
            return false;
        }
    }
}
