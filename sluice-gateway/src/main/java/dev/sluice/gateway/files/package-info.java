/**
 * The Files API ({@code /v1/files}): streaming multipart uploads of JSONL files for the Batch API, their metadata
 * (in the database, per project) and bytes (under {@code <data_dir>/files}), listing, download and delete.
 */
package dev.sluice.gateway.files;
