package dev.sluice.gateway.store;

import java.time.Instant;

/** The top of the access model: owns projects, has members, pays the bill. */
public record Organization(String id, String name, Instant createdAt) {}
