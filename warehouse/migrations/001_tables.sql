-- Tables of the warehouse. Generated once from the data dictionary; edit by adding a new migration.

CREATE TABLE sources (
    "source_id" VARCHAR PRIMARY KEY,
    "name" VARCHAR,
    "organisation" VARCHAR,
    "country" VARCHAR,
    "languages" VARCHAR,
    "adapter" VARCHAR,
    "start_urls" VARCHAR,
    "enabled" BOOLEAN,
    "contact" VARCHAR,
    "profile" VARCHAR
);
COMMENT ON TABLE sources IS 'registry of crawled sources (one row per source, upserted every run)';
COMMENT ON COLUMN sources."source_id" IS 'short id of the source (spider name)';
COMMENT ON COLUMN sources."name" IS 'display name';
COMMENT ON COLUMN sources."organisation" IS 'organisation publishing the site';
COMMENT ON COLUMN sources."country" IS 'one of BE, FR, CH, LU';
COMMENT ON COLUMN sources."languages" IS ''';''-joined languages of the site (fr, nl, en, de)';
COMMENT ON COLUMN sources."adapter" IS 'spider adapter used (feed kind)';
COMMENT ON COLUMN sources."start_urls" IS ''' ''-joined start URLs';
COMMENT ON COLUMN sources."enabled" IS 'false = registered but not crawled';
COMMENT ON COLUMN sources."contact" IS 'who to contact about the source (role address, .example in tests)';
COMMENT ON COLUMN sources."profile" IS 'registry profile (demo, production…) the row comes from';

CREATE TABLE runs (
    "run_id" VARCHAR PRIMARY KEY,
    "started_at" TIMESTAMPTZ,
    "finished_at" TIMESTAMPTZ,
    "status" VARCHAR,
    "profile" VARCHAR,
    "summary" JSON
);
COMMENT ON TABLE runs IS 'one row per nightly run (run_id = the night''s ISO date)';
COMMENT ON COLUMN runs."run_id" IS 'night of the run, ISO date (2026-11-24)';
COMMENT ON COLUMN runs."started_at" IS 'when the run started';
COMMENT ON COLUMN runs."finished_at" IS 'when it finished (null while running or if it died)';
COMMENT ON COLUMN runs."status" IS 'running, Completed, Completed with warnings, Failed';
COMMENT ON COLUMN runs."profile" IS 'registry profile crawled';
COMMENT ON COLUMN runs."summary" IS 'run summary: counts of listings, new/changed/removed, failed sources…';

CREATE TABLE source_runs (
    "run_id" VARCHAR NOT NULL,
    "source_id" VARCHAR NOT NULL,
    "status" VARCHAR NOT NULL CHECK (status IN ('ok', 'empty', 'failed', 'degraded')),
    "started_at" TIMESTAMPTZ,
    "finished_at" TIMESTAMPTZ,
    "pages" BIGINT,
    "wire_bytes" BIGINT,
    "http_errors" BIGINT,
    "seconds" DOUBLE,
    "items" BIGINT,
    "quarantined" BIGINT,
    "coverage" DOUBLE,
    "error" VARCHAR,
    "health_notes" VARCHAR,
    PRIMARY KEY (run_id, source_id)
);
COMMENT ON TABLE source_runs IS 'per run and source: how its crawl went';
COMMENT ON COLUMN source_runs."run_id" IS 'runs.run_id';
COMMENT ON COLUMN source_runs."source_id" IS 'sources.source_id';
COMMENT ON COLUMN source_runs."status" IS 'one of ok, empty, failed, degraded (only ok crawls can remove listings)';
COMMENT ON COLUMN source_runs."started_at" IS 'crawl start (null when unknown)';
COMMENT ON COLUMN source_runs."finished_at" IS 'crawl end (null when unknown)';
COMMENT ON COLUMN source_runs."pages" IS 'pages fetched';
COMMENT ON COLUMN source_runs."wire_bytes" IS 'bytes downloaded';
COMMENT ON COLUMN source_runs."http_errors" IS 'responses with HTTP status >= 400';
COMMENT ON COLUMN source_runs."seconds" IS 'crawl duration in seconds';
COMMENT ON COLUMN source_runs."items" IS 'listings landed';
COMMENT ON COLUMN source_runs."quarantined" IS 'records the spider refused';
COMMENT ON COLUMN source_runs."coverage" IS 'share of key filter fields known (weekday, start_time, postcode, city, price_kind, language), 0–1';
COMMENT ON COLUMN source_runs."error" IS 'why the crawl failed (null when it did not)';
COMMENT ON COLUMN source_runs."health_notes" IS '''; ''-joined health monitor findings (why degraded)';

CREATE TABLE raw_listings (
    "run_id" VARCHAR NOT NULL,
    "landed_at" TIMESTAMPTZ NOT NULL,
    "title" VARCHAR,
    "description" VARCHAR,
    "organizer" VARCHAR,
    "facilitator_text" VARCHAR,
    "schedule_text" VARCHAR,
    "location_text" VARCHAR,
    "price_text" VARCHAR,
    "contact_text" VARCHAR,
    "language" VARCHAR,
    "external_id" VARCHAR,
    "start" VARCHAR,
    "end" VARCHAR,
    "timezone" VARCHAR,
    "rrule" VARCHAR,
    "exdates" VARCHAR,
    "event_status" VARCHAR,
    "attendance_mode" VARCHAR,
    "street" VARCHAR,
    "postcode" VARCHAR,
    "city" VARCHAR,
    "country" VARCHAR,
    "latitude" VARCHAR,
    "longitude" VARCHAR,
    "email" VARCHAR,
    "phone" VARCHAR,
    "online_url" VARCHAR,
    "website" VARCHAR,
    "categories" VARCHAR,
    "occurrences" VARCHAR,
    "source_id" VARCHAR,
    "listing_url" VARCHAR,
    "fetched_at" VARCHAR,
    "spider_version" VARCHAR,
    "content_hash" VARCHAR,
    "raw" VARCHAR
);
COMMENT ON TABLE raw_listings IS 'append-only landing: every record as crawled, with provenance; re-landing a run replaces only that run''s rows';
COMMENT ON COLUMN raw_listings."run_id" IS 'runs.run_id that landed the row';
COMMENT ON COLUMN raw_listings."landed_at" IS 'when the run landed it (the run''s start time)';
COMMENT ON COLUMN raw_listings."title" IS 'as the site writes it (markup included)';
COMMENT ON COLUMN raw_listings."description" IS 'as the site writes it (markup included)';
COMMENT ON COLUMN raw_listings."organizer" IS 'as the site writes it (markup included)';
COMMENT ON COLUMN raw_listings."facilitator_text" IS 'as the site writes it (markup included)';
COMMENT ON COLUMN raw_listings."schedule_text" IS 'as the site writes it (markup included)';
COMMENT ON COLUMN raw_listings."location_text" IS 'as the site writes it (markup included)';
COMMENT ON COLUMN raw_listings."price_text" IS 'as the site writes it (markup included)';
COMMENT ON COLUMN raw_listings."contact_text" IS 'as the site writes it (markup included)';
COMMENT ON COLUMN raw_listings."language" IS 'language as the site declares it';
COMMENT ON COLUMN raw_listings."external_id" IS 'the source''s own id for the listing';
COMMENT ON COLUMN raw_listings."start" IS 'start as given (ISO date-time, date or HH:MM)';
COMMENT ON COLUMN raw_listings."end" IS 'end as given';
COMMENT ON COLUMN raw_listings."timezone" IS 'IANA time zone when given';
COMMENT ON COLUMN raw_listings."rrule" IS 'RFC 5545 RRULE when given';
COMMENT ON COLUMN raw_listings."exdates" IS ''';''-joined excluded ISO dates';
COMMENT ON COLUMN raw_listings."event_status" IS 'source''s status word (CANCELLED, EventCancelled…)';
COMMENT ON COLUMN raw_listings."attendance_mode" IS 'source''s attendance word';
COMMENT ON COLUMN raw_listings."street" IS 'as given';
COMMENT ON COLUMN raw_listings."postcode" IS 'as given';
COMMENT ON COLUMN raw_listings."city" IS 'as given';
COMMENT ON COLUMN raw_listings."country" IS 'as given';
COMMENT ON COLUMN raw_listings."latitude" IS 'as given (text)';
COMMENT ON COLUMN raw_listings."longitude" IS 'as given (text)';
COMMENT ON COLUMN raw_listings."email" IS 'as given';
COMMENT ON COLUMN raw_listings."phone" IS 'as given';
COMMENT ON COLUMN raw_listings."online_url" IS 'as given';
COMMENT ON COLUMN raw_listings."website" IS 'as given';
COMMENT ON COLUMN raw_listings."categories" IS ''';''-joined labels or codes as given';
COMMENT ON COLUMN raw_listings."occurrences" IS ''';''-joined ISO starts of upcoming sessions';
COMMENT ON COLUMN raw_listings."source_id" IS 'sources.source_id';
COMMENT ON COLUMN raw_listings."listing_url" IS 'page the record was read from';
COMMENT ON COLUMN raw_listings."fetched_at" IS 'ISO time of the fetch';
COMMENT ON COLUMN raw_listings."spider_version" IS 'version of the spider code';
COMMENT ON COLUMN raw_listings."content_hash" IS 'sha256 of the listing content (excludes occurrences)';
COMMENT ON COLUMN raw_listings."raw" IS 'original payload (JSON text or HTML fragment)';

CREATE TABLE quarantine (
    "run_id" VARCHAR NOT NULL,
    "stage" VARCHAR NOT NULL,
    "source_id" VARCHAR,
    "record_id" VARCHAR,
    "url" VARCHAR,
    "reason" VARCHAR NOT NULL,
    "payload" VARCHAR
);
COMMENT ON TABLE quarantine IS 'every refused row or page, with why and its original payload; replaced per run';
COMMENT ON COLUMN quarantine."run_id" IS 'runs.run_id';
COMMENT ON COLUMN quarantine."stage" IS 'one of fetch, crawl, raw, clean, classify, dedupe, warehouse, export, or unknown when the producer did not say';
COMMENT ON COLUMN quarantine."source_id" IS 'sources.source_id (null when unknown)';
COMMENT ON COLUMN quarantine."record_id" IS 'record id when known';
COMMENT ON COLUMN quarantine."url" IS 'page of the record';
COMMENT ON COLUMN quarantine."reason" IS 'why it was refused (''column: check (got value)'' for validation failures)';
COMMENT ON COLUMN quarantine."payload" IS 'the refused row as JSON';

CREATE TABLE quality (
    "run_id" VARCHAR NOT NULL,
    "source_id" VARCHAR NOT NULL,
    "field" VARCHAR NOT NULL,
    "rows" BIGINT NOT NULL,
    "non_null" BIGINT NOT NULL,
    "coverage" DOUBLE,
    "origin_structured" DOUBLE,
    "origin_parsed" DOUBLE,
    "origin_declared" DOUBLE,
    "origin_detected" DOUBLE,
    "origin_unknown" DOUBLE,
    "failures" BIGINT NOT NULL,
    PRIMARY KEY (run_id, source_id, field)
);
COMMENT ON TABLE quality IS 'per run, source and clean field: coverage, provenance and validation failures';
COMMENT ON COLUMN quality."run_id" IS 'runs.run_id';
COMMENT ON COLUMN quality."source_id" IS 'sources.source_id';
COMMENT ON COLUMN quality."field" IS 'clean field name (CleanListing column), or * for whole records (failures = every quarantined row of the source)';
COMMENT ON COLUMN quality."rows" IS 'clean rows of the source';
COMMENT ON COLUMN quality."non_null" IS 'rows where the field is known (not null and not ''unknown'')';
COMMENT ON COLUMN quality."coverage" IS 'non_null / rows, 0–1 (null when rows = 0)';
COMMENT ON COLUMN quality."origin_structured" IS 'share of known values whose <field>_origin is structured (null for fields without an origin column or without known values)';
COMMENT ON COLUMN quality."origin_parsed" IS 'share of known values whose <field>_origin is parsed (null for fields without an origin column or without known values)';
COMMENT ON COLUMN quality."origin_declared" IS 'share of known values whose <field>_origin is declared (null for fields without an origin column or without known values)';
COMMENT ON COLUMN quality."origin_detected" IS 'share of known values whose <field>_origin is detected (null for fields without an origin column or without known values)';
COMMENT ON COLUMN quality."origin_unknown" IS 'share of known values whose <field>_origin is unknown (null for fields without an origin column or without known values)';
COMMENT ON COLUMN quality."failures" IS 'quarantined rows of the source whose reason names this field';

CREATE TABLE listings (
    "listing_id" VARCHAR NOT NULL,
    "record_id" VARCHAR,
    "source_id" VARCHAR,
    "listing_url" VARCHAR,
    "fetched_at" VARCHAR,
    "content_hash" VARCHAR,
    "title" VARCHAR,
    "description" VARCHAR,
    "organizer" VARCHAR,
    "facilitator_text" VARCHAR,
    "schedule_text" VARCHAR,
    "location_text" VARCHAR,
    "price_text" VARCHAR,
    "contact_text" VARCHAR,
    "categories" VARCHAR,
    "language" VARCHAR,
    "rhythm" VARCHAR,
    "weekday" BIGINT,
    "week_of_month" BIGINT,
    "frequency" VARCHAR,
    "start_time" VARCHAR,
    "end_time" VARCHAR,
    "start_date" VARCHAR,
    "end_date" VARCHAR,
    "session_count" BIGINT,
    "rrule" VARCHAR,
    "next_occurrence" VARCHAR,
    "timezone" VARCHAR,
    "attendance" VARCHAR,
    "street" VARCHAR,
    "postcode" VARCHAR,
    "city" VARCHAR,
    "country" VARCHAR,
    "region_code" VARCHAR,
    "region" VARCHAR,
    "latitude" DOUBLE,
    "longitude" DOUBLE,
    "online_url" VARCHAR,
    "price_eur" DOUBLE,
    "price_kind" VARCHAR,
    "phone" VARCHAR,
    "email" VARCHAR,
    "website" VARCHAR,
    "entry" VARCHAR,
    "event_status" VARCHAR,
    "format" VARCHAR,
    "format_confidence" DOUBLE,
    "format_evidence" VARCHAR,
    "facilitator_type" VARCHAR,
    "audience" VARCHAR,
    "topics" VARCHAR,
    "needs_review" BOOLEAN,
    "classifier_version" VARCHAR,
    "source_count" BIGINT,
    "source_urls" VARCHAR,
    "language_origin" VARCHAR,
    "weekday_origin" VARCHAR,
    "start_time_origin" VARCHAR,
    "end_time_origin" VARCHAR,
    "start_date_origin" VARCHAR,
    "rrule_origin" VARCHAR,
    "attendance_origin" VARCHAR,
    "postcode_origin" VARCHAR,
    "city_origin" VARCHAR,
    "country_origin" VARCHAR,
    "region_origin" VARCHAR,
    "price_eur_origin" VARCHAR,
    "phone_origin" VARCHAR,
    "email_origin" VARCHAR,
    "entry_origin" VARCHAR,
    "event_status_origin" VARCHAR,
    "status" VARCHAR NOT NULL CHECK (status IN ('active', 'cancelled', 'removed')),
    "first_seen" DATE NOT NULL,
    "last_seen" DATE NOT NULL,
    "missed_crawls" BIGINT NOT NULL,
    "row_hash" VARCHAR NOT NULL,
    PRIMARY KEY (listing_id)
);
COMMENT ON TABLE listings IS 'current state: one row per listing id ever published; rows are never deleted';
COMMENT ON COLUMN listings."listing_id" IS 'stable id of the group: gd_ + 12 hex; kept across nights, retired ids live on in listing_aliases';
COMMENT ON COLUMN listings."record_id" IS 'source record whose title is shown (source_id:external id)';
COMMENT ON COLUMN listings."source_id" IS 'source of that record (sources.source_id)';
COMMENT ON COLUMN listings."listing_url" IS 'page of that record (http(s):// or file://)';
COMMENT ON COLUMN listings."fetched_at" IS 'ISO time the current content version was fetched (not refreshed while content is unchanged; see last_seen)';
COMMENT ON COLUMN listings."content_hash" IS 'sha256 over the raw content of every source record of the group (as of the current content version)';
COMMENT ON COLUMN listings."title" IS 'title as published (plain text, never empty)';
COMMENT ON COLUMN listings."description" IS 'description (plain text)';
COMMENT ON COLUMN listings."organizer" IS 'organising body as written';
COMMENT ON COLUMN listings."facilitator_text" IS 'who facilitates, as written';
COMMENT ON COLUMN listings."schedule_text" IS 'schedule as written';
COMMENT ON COLUMN listings."location_text" IS 'place as written';
COMMENT ON COLUMN listings."price_text" IS 'price as written';
COMMENT ON COLUMN listings."contact_text" IS 'contact details as written';
COMMENT ON COLUMN listings."categories" IS 'source categories, '';''-joined, as the source writes them';
COMMENT ON COLUMN listings."language" IS 'language of the listing: one of fr, nl, en, de (null = undetected)';
COMMENT ON COLUMN listings."rhythm" IS 'one of single_session, short_cycle, recurring, multi_day, unknown';
COMMENT ON COLUMN listings."weekday" IS 'weekday of the sessions, 0 = Monday … 6 = Sunday';
COMMENT ON COLUMN listings."week_of_month" IS 'for monthly groups: 1–5, -1 = last';
COMMENT ON COLUMN listings."frequency" IS 'one of weekly, biweekly, monthly';
COMMENT ON COLUMN listings."start_time" IS 'local start time HH:MM';
COMMENT ON COLUMN listings."end_time" IS 'local end time HH:MM';
COMMENT ON COLUMN listings."start_date" IS 'first session date YYYY-MM-DD';
COMMENT ON COLUMN listings."end_date" IS 'last session date YYYY-MM-DD';
COMMENT ON COLUMN listings."session_count" IS 'number of sessions of a cycle (1–500)';
COMMENT ON COLUMN listings."rrule" IS 'RFC 5545 recurrence rule (without RRULE:)';
COMMENT ON COLUMN listings."next_occurrence" IS 'next session, ISO 8601 with offset; moves every night, ignored by row_hash';
COMMENT ON COLUMN listings."timezone" IS 'IANA time zone of the times';
COMMENT ON COLUMN listings."attendance" IS 'one of in_person, online, hybrid, unknown';
COMMENT ON COLUMN listings."street" IS 'street address';
COMMENT ON COLUMN listings."postcode" IS 'postcode';
COMMENT ON COLUMN listings."city" IS 'city';
COMMENT ON COLUMN listings."country" IS 'one of BE, FR, CH, LU';
COMMENT ON COLUMN listings."region_code" IS 'ISO 3166-2 code of province / département / canton (BE-WLG, FR-75, CH-VD, LU-LU…)';
COMMENT ON COLUMN listings."region" IS 'name of that region';
COMMENT ON COLUMN listings."latitude" IS 'WGS84 latitude';
COMMENT ON COLUMN listings."longitude" IS 'WGS84 longitude';
COMMENT ON COLUMN listings."online_url" IS 'link to join online (http(s)://)';
COMMENT ON COLUMN listings."price_eur" IS 'price per session in EUR (0–10000)';
COMMENT ON COLUMN listings."price_kind" IS 'one of free, fixed, sliding, membership, unknown';
COMMENT ON COLUMN listings."phone" IS 'phone in E.164 (+ and digits)';
COMMENT ON COLUMN listings."email" IS 'contact e-mail';
COMMENT ON COLUMN listings."website" IS 'organiser website (http(s)://)';
COMMENT ON COLUMN listings."entry" IS 'one of open, registration, closed, unknown';
COMMENT ON COLUMN listings."event_status" IS 'what the source announces: one of scheduled, cancelled, postponed (the `status` of CanonicalListing, renamed)';
COMMENT ON COLUMN listings."format" IS 'one of therapy_group, support_group, talking_group, workshop, retreat, art_therapy_psychodrama, personal_development, out_of_scope';
COMMENT ON COLUMN listings."format_confidence" IS 'classifier confidence in format, 0–1';
COMMENT ON COLUMN listings."format_evidence" IS 'words or rule that decided the format';
COMMENT ON COLUMN listings."facilitator_type" IS 'one of mental_health_professional, certified_creative_therapist, coach, peer, association_volunteer, unknown';
COMMENT ON COLUMN listings."audience" IS ''';''-joined, zero or more of adults, young_people, children, relatives, parents, seniors, women, men, lgbtqia, professionals ('''' = none)';
COMMENT ON COLUMN listings."topics" IS ''';''-joined, zero or more of anxiety, depression, trauma, eating_disorders, grief, addiction, chronic_illness, mental_illness, dementia, burnout_stress, parenting, self_esteem, relationships, loneliness, suicide, neurodivergence, violence, migration_exile ('''' = none)';
COMMENT ON COLUMN listings."needs_review" IS 'true when an analyst should check the format (low confidence); kept out of v_directory';
COMMENT ON COLUMN listings."classifier_version" IS 'version of the classifier that labelled the current content version';
COMMENT ON COLUMN listings."source_count" IS 'number of source records merged into the listing (>= 1)';
COMMENT ON COLUMN listings."source_urls" IS ''' ''-joined listing URLs of every source record, sorted';
COMMENT ON COLUMN listings."language_origin" IS 'how language was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listings."weekday_origin" IS 'how weekday was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listings."start_time_origin" IS 'how start_time was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listings."end_time_origin" IS 'how end_time was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listings."start_date_origin" IS 'how start_date was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listings."rrule_origin" IS 'how rrule was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listings."attendance_origin" IS 'how attendance was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listings."postcode_origin" IS 'how postcode was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listings."city_origin" IS 'how city was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listings."country_origin" IS 'how country was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listings."region_origin" IS 'how region was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listings."price_eur_origin" IS 'how price_eur was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listings."phone_origin" IS 'how phone was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listings."email_origin" IS 'how email was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listings."entry_origin" IS 'how entry was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listings."event_status_origin" IS 'how event_status was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listings."status" IS 'active, cancelled (the source announces it cancelled) or removed (gone from every source for removal_after successful crawls, or merged into another id)';
COMMENT ON COLUMN listings."first_seen" IS 'night the listing first appeared';
COMMENT ON COLUMN listings."last_seen" IS 'last night a source still published it';
COMMENT ON COLUMN listings."missed_crawls" IS 'consecutive successful crawls of all its sources without it (0 when seen)';
COMMENT ON COLUMN listings."row_hash" IS 'md5 of the published content (every content column except next_occurrence, fetched_at, content_hash, classifier_version and *_origin)';

CREATE TABLE listing_sources (
    "record_id" VARCHAR PRIMARY KEY,
    "listing_id" VARCHAR NOT NULL,
    "source_id" VARCHAR NOT NULL,
    "listing_url" VARCHAR,
    "match_probability" DOUBLE,
    "last_seen" DATE NOT NULL
);
COMMENT ON TABLE listing_sources IS 'which source record belongs to which listing (one row per record ever seen)';
COMMENT ON COLUMN listing_sources."record_id" IS 'source record (source_id:external id)';
COMMENT ON COLUMN listing_sources."listing_id" IS 'listings.listing_id it belongs to';
COMMENT ON COLUMN listing_sources."source_id" IS 'sources.source_id';
COMMENT ON COLUMN listing_sources."listing_url" IS 'page of the record';
COMMENT ON COLUMN listing_sources."match_probability" IS 'linkage probability that joined it to its listing (null = alone)';
COMMENT ON COLUMN listing_sources."last_seen" IS 'last night the record was crawled';

CREATE TABLE listing_aliases (
    "alias_id" VARCHAR PRIMARY KEY,
    "listing_id" VARCHAR NOT NULL,
    "reason" VARCHAR,
    "since" DATE NOT NULL
);
COMMENT ON TABLE listing_aliases IS 'retired listing ids and the id that now names their group';
COMMENT ON COLUMN listing_aliases."alias_id" IS 'retired listing id (bookmarks may still use it)';
COMMENT ON COLUMN listing_aliases."listing_id" IS 'listing id it now resolves to';
COMMENT ON COLUMN listing_aliases."reason" IS 'why it was retired (merged)';
COMMENT ON COLUMN listing_aliases."since" IS 'night the alias appeared';

CREATE TABLE listing_history (
    "listing_id" VARCHAR NOT NULL,
    "valid_from" DATE NOT NULL,
    "valid_to" DATE,
    "run_id" VARCHAR NOT NULL,
    "row_hash" VARCHAR NOT NULL,
    "status" VARCHAR NOT NULL,
    "record_id" VARCHAR,
    "source_id" VARCHAR,
    "listing_url" VARCHAR,
    "fetched_at" VARCHAR,
    "content_hash" VARCHAR,
    "title" VARCHAR,
    "description" VARCHAR,
    "organizer" VARCHAR,
    "facilitator_text" VARCHAR,
    "schedule_text" VARCHAR,
    "location_text" VARCHAR,
    "price_text" VARCHAR,
    "contact_text" VARCHAR,
    "categories" VARCHAR,
    "language" VARCHAR,
    "rhythm" VARCHAR,
    "weekday" BIGINT,
    "week_of_month" BIGINT,
    "frequency" VARCHAR,
    "start_time" VARCHAR,
    "end_time" VARCHAR,
    "start_date" VARCHAR,
    "end_date" VARCHAR,
    "session_count" BIGINT,
    "rrule" VARCHAR,
    "next_occurrence" VARCHAR,
    "timezone" VARCHAR,
    "attendance" VARCHAR,
    "street" VARCHAR,
    "postcode" VARCHAR,
    "city" VARCHAR,
    "country" VARCHAR,
    "region_code" VARCHAR,
    "region" VARCHAR,
    "latitude" DOUBLE,
    "longitude" DOUBLE,
    "online_url" VARCHAR,
    "price_eur" DOUBLE,
    "price_kind" VARCHAR,
    "phone" VARCHAR,
    "email" VARCHAR,
    "website" VARCHAR,
    "entry" VARCHAR,
    "event_status" VARCHAR,
    "format" VARCHAR,
    "format_confidence" DOUBLE,
    "format_evidence" VARCHAR,
    "facilitator_type" VARCHAR,
    "audience" VARCHAR,
    "topics" VARCHAR,
    "needs_review" BOOLEAN,
    "classifier_version" VARCHAR,
    "source_count" BIGINT,
    "source_urls" VARCHAR,
    "language_origin" VARCHAR,
    "weekday_origin" VARCHAR,
    "start_time_origin" VARCHAR,
    "end_time_origin" VARCHAR,
    "start_date_origin" VARCHAR,
    "rrule_origin" VARCHAR,
    "attendance_origin" VARCHAR,
    "postcode_origin" VARCHAR,
    "city_origin" VARCHAR,
    "country_origin" VARCHAR,
    "region_origin" VARCHAR,
    "price_eur_origin" VARCHAR,
    "phone_origin" VARCHAR,
    "email_origin" VARCHAR,
    "entry_origin" VARCHAR,
    "event_status_origin" VARCHAR,
    PRIMARY KEY (listing_id, valid_from)
);
COMMENT ON TABLE listing_history IS 'slowly changing history: one row per listing content/status version; valid_from <= night < valid_to';
COMMENT ON COLUMN listing_history."listing_id" IS 'listings.listing_id';
COMMENT ON COLUMN listing_history."valid_from" IS 'first night of this version';
COMMENT ON COLUMN listing_history."valid_to" IS 'night the next version started (null = current)';
COMMENT ON COLUMN listing_history."run_id" IS 'run that wrote this version';
COMMENT ON COLUMN listing_history."row_hash" IS 'listings.row_hash of this version';
COMMENT ON COLUMN listing_history."status" IS 'active, cancelled or removed in this version';
COMMENT ON COLUMN listing_history."record_id" IS 'source record whose title is shown (source_id:external id)';
COMMENT ON COLUMN listing_history."source_id" IS 'source of that record (sources.source_id)';
COMMENT ON COLUMN listing_history."listing_url" IS 'page of that record (http(s):// or file://)';
COMMENT ON COLUMN listing_history."fetched_at" IS 'ISO time the current content version was fetched (not refreshed while content is unchanged; see last_seen)';
COMMENT ON COLUMN listing_history."content_hash" IS 'sha256 over the raw content of every source record of the group (as of the current content version)';
COMMENT ON COLUMN listing_history."title" IS 'title as published (plain text, never empty)';
COMMENT ON COLUMN listing_history."description" IS 'description (plain text)';
COMMENT ON COLUMN listing_history."organizer" IS 'organising body as written';
COMMENT ON COLUMN listing_history."facilitator_text" IS 'who facilitates, as written';
COMMENT ON COLUMN listing_history."schedule_text" IS 'schedule as written';
COMMENT ON COLUMN listing_history."location_text" IS 'place as written';
COMMENT ON COLUMN listing_history."price_text" IS 'price as written';
COMMENT ON COLUMN listing_history."contact_text" IS 'contact details as written';
COMMENT ON COLUMN listing_history."categories" IS 'source categories, '';''-joined, as the source writes them';
COMMENT ON COLUMN listing_history."language" IS 'language of the listing: one of fr, nl, en, de (null = undetected)';
COMMENT ON COLUMN listing_history."rhythm" IS 'one of single_session, short_cycle, recurring, multi_day, unknown';
COMMENT ON COLUMN listing_history."weekday" IS 'weekday of the sessions, 0 = Monday … 6 = Sunday';
COMMENT ON COLUMN listing_history."week_of_month" IS 'for monthly groups: 1–5, -1 = last';
COMMENT ON COLUMN listing_history."frequency" IS 'one of weekly, biweekly, monthly';
COMMENT ON COLUMN listing_history."start_time" IS 'local start time HH:MM';
COMMENT ON COLUMN listing_history."end_time" IS 'local end time HH:MM';
COMMENT ON COLUMN listing_history."start_date" IS 'first session date YYYY-MM-DD';
COMMENT ON COLUMN listing_history."end_date" IS 'last session date YYYY-MM-DD';
COMMENT ON COLUMN listing_history."session_count" IS 'number of sessions of a cycle (1–500)';
COMMENT ON COLUMN listing_history."rrule" IS 'RFC 5545 recurrence rule (without RRULE:)';
COMMENT ON COLUMN listing_history."next_occurrence" IS 'next session, ISO 8601 with offset; moves every night, ignored by row_hash';
COMMENT ON COLUMN listing_history."timezone" IS 'IANA time zone of the times';
COMMENT ON COLUMN listing_history."attendance" IS 'one of in_person, online, hybrid, unknown';
COMMENT ON COLUMN listing_history."street" IS 'street address';
COMMENT ON COLUMN listing_history."postcode" IS 'postcode';
COMMENT ON COLUMN listing_history."city" IS 'city';
COMMENT ON COLUMN listing_history."country" IS 'one of BE, FR, CH, LU';
COMMENT ON COLUMN listing_history."region_code" IS 'ISO 3166-2 code of province / département / canton (BE-WLG, FR-75, CH-VD, LU-LU…)';
COMMENT ON COLUMN listing_history."region" IS 'name of that region';
COMMENT ON COLUMN listing_history."latitude" IS 'WGS84 latitude';
COMMENT ON COLUMN listing_history."longitude" IS 'WGS84 longitude';
COMMENT ON COLUMN listing_history."online_url" IS 'link to join online (http(s)://)';
COMMENT ON COLUMN listing_history."price_eur" IS 'price per session in EUR (0–10000)';
COMMENT ON COLUMN listing_history."price_kind" IS 'one of free, fixed, sliding, membership, unknown';
COMMENT ON COLUMN listing_history."phone" IS 'phone in E.164 (+ and digits)';
COMMENT ON COLUMN listing_history."email" IS 'contact e-mail';
COMMENT ON COLUMN listing_history."website" IS 'organiser website (http(s)://)';
COMMENT ON COLUMN listing_history."entry" IS 'one of open, registration, closed, unknown';
COMMENT ON COLUMN listing_history."event_status" IS 'what the source announces: one of scheduled, cancelled, postponed (the `status` of CanonicalListing, renamed)';
COMMENT ON COLUMN listing_history."format" IS 'one of therapy_group, support_group, talking_group, workshop, retreat, art_therapy_psychodrama, personal_development, out_of_scope';
COMMENT ON COLUMN listing_history."format_confidence" IS 'classifier confidence in format, 0–1';
COMMENT ON COLUMN listing_history."format_evidence" IS 'words or rule that decided the format';
COMMENT ON COLUMN listing_history."facilitator_type" IS 'one of mental_health_professional, certified_creative_therapist, coach, peer, association_volunteer, unknown';
COMMENT ON COLUMN listing_history."audience" IS ''';''-joined, zero or more of adults, young_people, children, relatives, parents, seniors, women, men, lgbtqia, professionals ('''' = none)';
COMMENT ON COLUMN listing_history."topics" IS ''';''-joined, zero or more of anxiety, depression, trauma, eating_disorders, grief, addiction, chronic_illness, mental_illness, dementia, burnout_stress, parenting, self_esteem, relationships, loneliness, suicide, neurodivergence, violence, migration_exile ('''' = none)';
COMMENT ON COLUMN listing_history."needs_review" IS 'true when an analyst should check the format (low confidence); kept out of v_directory';
COMMENT ON COLUMN listing_history."classifier_version" IS 'version of the classifier that labelled the current content version';
COMMENT ON COLUMN listing_history."source_count" IS 'number of source records merged into the listing (>= 1)';
COMMENT ON COLUMN listing_history."source_urls" IS ''' ''-joined listing URLs of every source record, sorted';
COMMENT ON COLUMN listing_history."language_origin" IS 'how language was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listing_history."weekday_origin" IS 'how weekday was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listing_history."start_time_origin" IS 'how start_time was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listing_history."end_time_origin" IS 'how end_time was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listing_history."start_date_origin" IS 'how start_date was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listing_history."rrule_origin" IS 'how rrule was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listing_history."attendance_origin" IS 'how attendance was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listing_history."postcode_origin" IS 'how postcode was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listing_history."city_origin" IS 'how city was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listing_history."country_origin" IS 'how country was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listing_history."region_origin" IS 'how region was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listing_history."price_eur_origin" IS 'how price_eur was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listing_history."phone_origin" IS 'how phone was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listing_history."email_origin" IS 'how email was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listing_history."entry_origin" IS 'how entry was obtained: one of structured, parsed, declared, detected, unknown';
COMMENT ON COLUMN listing_history."event_status_origin" IS 'how event_status was obtained: one of structured, parsed, declared, detected, unknown';

CREATE TABLE corrections (
    "listing_id" VARCHAR NOT NULL,
    "field" VARCHAR NOT NULL,
    "value" VARCHAR NOT NULL,
    "analyst" VARCHAR NOT NULL,
    "decided_at" TIMESTAMPTZ NOT NULL,
    "note" VARCHAR
);
COMMENT ON TABLE corrections IS 'append-only log of analysts'' format/facet corrections (latest per listing and field wins)';
COMMENT ON COLUMN corrections."listing_id" IS 'listing corrected';
COMMENT ON COLUMN corrections."field" IS 'format, facilitator_type, attendance, entry, rhythm, audience, topics or approved';
COMMENT ON COLUMN corrections."value" IS 'new value (allowed values of that field; approved: true/false)';
COMMENT ON COLUMN corrections."analyst" IS 'who decided';
COMMENT ON COLUMN corrections."decided_at" IS 'when';
COMMENT ON COLUMN corrections."note" IS 'why';

CREATE TABLE dedupe_overrides (
    "action" VARCHAR NOT NULL CHECK (action IN ('link', 'split')),
    "record_id_a" VARCHAR NOT NULL,
    "record_id_b" VARCHAR NOT NULL,
    "analyst" VARCHAR NOT NULL,
    "decided_at" TIMESTAMPTZ NOT NULL,
    "note" VARCHAR
);
COMMENT ON TABLE dedupe_overrides IS 'append-only log of analysts'' link/split decisions between two source records (latest per pair wins)';
COMMENT ON COLUMN dedupe_overrides."action" IS 'link (same group) or split (different groups)';
COMMENT ON COLUMN dedupe_overrides."record_id_a" IS 'first record';
COMMENT ON COLUMN dedupe_overrides."record_id_b" IS 'second record';
COMMENT ON COLUMN dedupe_overrides."analyst" IS 'who decided';
COMMENT ON COLUMN dedupe_overrides."decided_at" IS 'when';
COMMENT ON COLUMN dedupe_overrides."note" IS 'why';

