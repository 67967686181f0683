package dev.sluice.protocol.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** A list answer ({@code object: "list"}) of models, files or batches; the cursor fields are absent for models. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ListPage<T>(
        String object,
        List<T> data,
        @JsonProperty("has_more") Boolean hasMore,
        @JsonProperty("first_id") String firstId,
        @JsonProperty("last_id") String lastId) {

    public ListPage {
        data = data == null ? List.of() : data;
    }
}
