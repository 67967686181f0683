package dev.sluice.sim.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.SseEvent;
import dev.sluice.sim.SimModel;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/responses}, whole or streamed with OpenAI's named events (created, in_progress, item and part
 * added, one {@code response.output_text.delta} per token, the done events, then completed or incomplete).
 * An answer cut at {@code max_output_tokens} is {@code status: "incomplete"}, as OpenAI's is.
 */
final class Responses implements Endpoint<Responses.Call> {

    record Call(SimModel model, long seed, int promptTokens, int maxTokens, boolean stream, String instructions)
            implements SimCall {
        @Override
        public String modelId() {
            return model.id();
        }
    }

    private final int defaultTps;

    Responses(int defaultTps) {
        this.defaultTps = defaultTps;
    }

    @Override
    public Call parse(JsonNode body, Directives d) {
        SimModel model = Fields.model(body, SimModel.Kind.CHAT, "/v1/responses");
        JsonNode input = body.get("input");
        if (input == null || input.isNull()) throw SimError.at(ErrorKind.MISSING_PARAMETER, "input");
        if (!input.isTextual() && !input.isArray()) throw Fields.wrongType("input", "a string or an array", input);
        String instructions = Fields.optionalString(body, "instructions", null);
        List<String> seedParts = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        seedParts.add(model.id());
        if (instructions != null) {
            seedParts.add("instructions");
            seedParts.add(instructions);
            texts.add(instructions);
        }
        if (input.isTextual()) {
            seedParts.add("user");
            seedParts.add(input.asText());
            texts.add(input.asText());
        } else {
            for (JsonNode item : input) {
                String text = Fields.textOf(item);
                seedParts.add(item.path("role").asText(item.path("type").asText("")));
                seedParts.add(text);
                texts.add(text);
            }
        }
        int maxTokens = Fields.optionalInt(body, "max_output_tokens", 1, model.maxOutputTokens());
        int prompt = Tokens.prompt(model, texts);
        Fields.checkContext(model, prompt, maxTokens, "input");
        return new Call(model, TextGen.seed(seedParts), prompt, maxTokens, Fields.optionalBool(body, "stream"),
                instructions);
    }

    @Override
    public void answer(Exchange ex, Call call, Directives d) {
        Completion c = Completion.plan(call.model(), call.seed(), call.promptTokens(), call.maxTokens(), d,
                call.stream());
        Ids ids = new Ids("resp_" + ex.requestId().substring(4), "msg_" + ex.requestId().substring(4),
                System.currentTimeMillis() / 1000);
        if (!call.stream()) {
            Replies.json(ex, 200, response(ids, call, c, finalStatus(c), c.text()));
            return;
        }
        new SseStream(ex, new Script(ids, call, c), c.pieces(), d, defaultTps).start();
    }

    private record Ids(String response, String message, long created) {}

    private static String finalStatus(Completion c) {
        return c.truncated() ? "incomplete" : "completed";
    }

    /** The response object; {@code text} null means no output yet (in_progress / failed). */
    private static ObjectNode response(Ids ids, Call call, Completion c, String status, String text) {
        ObjectNode r = Replies.object();
        r.put("id", ids.response()).put("object", "response").put("created_at", ids.created())
                .put("status", status).putNull("error");
        if ("incomplete".equals(status)) r.putObject("incomplete_details").put("reason", "max_output_tokens");
        else r.putNull("incomplete_details");
        if (call.instructions() == null) r.putNull("instructions");
        else r.put("instructions", call.instructions());
        if (call.maxTokens() > 0) r.put("max_output_tokens", call.maxTokens());
        else r.putNull("max_output_tokens");
        r.put("model", call.model().id());
        var output = r.putArray("output");
        if (text != null) output.add(message(ids, text, "completed"));
        r.put("parallel_tool_calls", true).putNull("previous_response_id").put("temperature", 1.0)
                .put("tool_choice", "auto").put("top_p", 1.0).put("truncation", "disabled");
        r.putArray("tools");
        r.putObject("text").putObject("format").put("type", "text");
        r.putObject("metadata");
        if (text == null) {
            r.putNull("usage");
        } else {
            ObjectNode u = r.putObject("usage");
            u.put("input_tokens", c.promptTokens());
            u.putObject("input_tokens_details").put("cached_tokens", 0);
            u.put("output_tokens", c.completionTokens());
            u.putObject("output_tokens_details").put("reasoning_tokens", 0);
            u.put("total_tokens", c.totalTokens());
        }
        return r;
    }

    private static ObjectNode message(Ids ids, String text, String status) {
        ObjectNode m = Replies.object();
        m.put("type", "message").put("id", ids.message()).put("status", status).put("role", "assistant");
        var content = m.putArray("content");
        if (text != null) content.add(part(text));
        return m;
    }

    private static ObjectNode part(String text) {
        ObjectNode p = Replies.object().put("type", "output_text").put("text", text);
        p.putArray("annotations");
        return p;
    }

    /** Every event's data carries its {@code type} (= the event name) and a {@code sequence_number} from 0. */
    private static final class Script implements SseStream.Script {
        private final Ids ids;
        private final Call call;
        private final Completion completion;
        private int sequence;

        Script(Ids ids, Call call, Completion completion) {
            this.ids = ids;
            this.call = call;
            this.completion = completion;
        }

        private ObjectNode event(String type) {
            return Replies.object().put("type", type).put("sequence_number", sequence++);
        }

        private static String encode(ObjectNode event) {
            return SseEvent.named(event.get("type").asText(), Replies.write(event)).encode();
        }

        private ObjectNode located(String type) {
            return event(type).put("item_id", ids.message()).put("output_index", 0).put("content_index", 0);
        }

        @Override
        public String opening() {
            ObjectNode created = event("response.created");
            created.set("response", response(ids, call, completion, "in_progress", null));
            ObjectNode progress = event("response.in_progress");
            progress.set("response", response(ids, call, completion, "in_progress", null));
            ObjectNode item = event("response.output_item.added").put("output_index", 0);
            item.set("item", message(ids, null, "in_progress"));
            ObjectNode partAdded = located("response.content_part.added");
            partAdded.set("part", part(""));
            return encode(created) + encode(progress) + encode(item) + encode(partAdded);
        }

        @Override
        public String token(int index, String piece) {
            ObjectNode delta = located("response.output_text.delta").put("delta", piece);
            delta.putArray("logprobs");
            return encode(delta);
        }

        @Override
        public String closing() {
            String text = completion.text();
            ObjectNode textDone = located("response.output_text.done").put("text", text);
            textDone.putArray("logprobs");
            ObjectNode partDone = located("response.content_part.done");
            partDone.set("part", part(text));
            ObjectNode itemDone = event("response.output_item.done").put("output_index", 0);
            itemDone.set("item", message(ids, text, "completed"));
            String status = finalStatus(completion);
            ObjectNode done = event("completed".equals(status) ? "response.completed" : "response.incomplete");
            done.set("response", response(ids, call, completion, status, text));
            return encode(textDone) + encode(partDone) + encode(itemDone) + encode(done);
        }

        /** errors.md: the flat fields and the nested object in one {@code error} event, then response.failed. */
        @Override
        public String failure(ApiError error) {
            ObjectNode e = event("error");
            e.put("code", error.code()).put("message", error.message()).putNull("param");
            ObjectNode nested = e.putObject("error");
            nested.put("type", error.type()).put("code", error.code()).put("message", error.message());
            if (error.param() == null) nested.putNull("param");
            else nested.put("param", error.param());
            if (error.param() != null) e.put("param", error.param());
            ObjectNode failed = event("response.failed");
            ObjectNode r = response(ids, call, completion, "failed", null);
            r.putObject("error").put("code", error.code()).put("message", error.message());
            failed.set("response", r);
            return encode(e) + encode(failed);
        }

        @Override
        public String malformed() {
            return SseEvent.named("response.created", "{\"type\":\"response.created\",\"sequence_number\":0,"
                    + "\"response\":{\"id\":\"" + ids.response() + "\",").encode();
        }
    }
}
