-- Views analysts (and the export) read. Plain names, no bookkeeping columns.

-- What the export publishes (pipelines/export.py reads it and re-checks the same rules).
CREATE VIEW v_directory AS
SELECT * EXCLUDE (missed_crawls, row_hash)
FROM listings
WHERE status = 'active' AND format <> 'out_of_scope' AND NOT needs_review
ORDER BY listing_id;
COMMENT ON VIEW v_directory IS 'published directory: active listings, format not out_of_scope, not waiting for review; the columns of listings without bookkeeping';

CREATE VIEW v_by_region AS
SELECT country, region_code, region, format, language, count(*) AS count
FROM v_directory
GROUP BY ALL
ORDER BY country, region_code, format, language;
COMMENT ON VIEW v_by_region IS 'published listings counted per country, region, format and language';
COMMENT ON COLUMN v_by_region.count IS 'number of published listings';

-- Every history row classified against the version it replaced.
CREATE VIEW v_changes AS
SELECT h.run_id,
       h.valid_from AS night,
       h.listing_id,
       h.title,
       h.source_id,
       CASE
           WHEN p.listing_id IS NULL THEN 'new'
           WHEN h.status = 'removed' THEN 'removed'
           WHEN h.status = 'cancelled' AND p.status <> 'cancelled' THEN 'cancelled'
           ELSE 'changed'
       END AS change,
       p.status AS previous_status,
       h.status
FROM listing_history h
LEFT JOIN listing_history p ON p.listing_id = h.listing_id AND p.valid_to = h.valid_from;
COMMENT ON VIEW v_changes IS 'every listing version written by a run, classified as new, changed, removed or cancelled';
COMMENT ON COLUMN v_changes.change IS 'new, changed, removed or cancelled';
COMMENT ON COLUMN v_changes.previous_status IS 'status of the version it replaced (null when new)';

CREATE VIEW v_changes_last_run AS
SELECT listing_id, title, change, source_id, previous_status, status, run_id
FROM v_changes
WHERE run_id = (SELECT max(run_id) FROM runs)
ORDER BY change, listing_id;
COMMENT ON VIEW v_changes_last_run IS 'what the latest run changed: one row per new, changed, removed or cancelled listing';

CREATE VIEW v_source_health AS
WITH ranked AS (
    SELECT *, row_number() OVER (PARTITION BY source_id ORDER BY run_id DESC) AS age
    FROM source_runs
),
latest AS (SELECT * FROM ranked WHERE age = 1),
past AS (
    SELECT source_id, median(items) AS median_items, count(*) AS past_runs
    FROM ranked
    WHERE age BETWEEN 2 AND 8 AND status IN ('ok', 'degraded')
    GROUP BY source_id
),
key_coverage AS (
    SELECT run_id, source_id, avg(coverage) AS key_field_coverage
    FROM quality
    WHERE field IN ('weekday', 'start_time', 'postcode', 'city', 'price_kind', 'language')
    GROUP BY run_id, source_id
),
known AS (SELECT source_id FROM sources UNION SELECT source_id FROM source_runs)
SELECT k.source_id,
       s.name,
       s.enabled,
       latest.run_id AS last_run_id,
       latest.status AS last_status,
       latest.items,
       past.median_items,
       past.past_runs,
       latest.quarantined / nullif(latest.items + latest.quarantined, 0) AS quarantine_rate,
       key_coverage.key_field_coverage,
       coalesce(latest.status <> 'ok' OR latest.items < 0.5 * past.median_items, false) AS degraded,
       latest.error,
       latest.health_notes
FROM known k
LEFT JOIN sources s USING (source_id)
LEFT JOIN latest USING (source_id)
LEFT JOIN past USING (source_id)
LEFT JOIN key_coverage ON key_coverage.source_id = k.source_id AND key_coverage.run_id = latest.run_id
ORDER BY degraded DESC, k.source_id;
COMMENT ON VIEW v_source_health IS 'per source: its latest crawl against the median of its 7 runs before, quarantine rate, key field coverage';
COMMENT ON COLUMN v_source_health.median_items IS 'median items of the (up to) 7 ok/degraded runs before the latest';
COMMENT ON COLUMN v_source_health.quarantine_rate IS 'quarantined / (items + quarantined) in the latest run';
COMMENT ON COLUMN v_source_health.key_field_coverage IS 'mean coverage of weekday, start_time, postcode, city, price_kind, language in the latest run';
COMMENT ON COLUMN v_source_health.degraded IS 'latest status not ok, or items under half the median';

CREATE VIEW v_review_queue AS
SELECT l.listing_id, l.title, l.format, l.format_confidence, l.format_evidence, l.facilitator_type,
       l.audience, l.topics, l.organizer, l.description, l.schedule_text, l.source_id, l.listing_url,
       l.source_urls, l.first_seen, l.last_seen,
       (SELECT count(*) FROM corrections c WHERE c.listing_id = l.listing_id) AS corrections
FROM listings l
WHERE l.needs_review AND l.status <> 'removed'
ORDER BY l.format_confidence, l.listing_id;
COMMENT ON VIEW v_review_queue IS 'listings waiting for an analyst (low format confidence), least sure first, with the evidence';
COMMENT ON COLUMN v_review_queue.corrections IS 'corrections already logged for the listing';
