package dev.sluice.gateway.store;

import java.time.Instant;

/** A person who can own keys; reaches projects only through organization memberships. Email is lower-case. */
public record User(String id, String email, String name, Instant createdAt) {}
