-- Customer search (the list's `query` filter: substring of email, name and
-- billing name, prefix of external ID, all on the *_lower columns) through
-- one pg_trgm GIN index on the four columns joined by newlines. The store
-- adds `searchText LIKE '%query%'` to the exact per-column conditions: every
-- match of those contains the query in the joined text, so the index narrows
-- the rows to candidates and the per-column LIKEs decide, exactly as a scan
-- would. (One index instead of four: PostgreSQL would rather scan the table
-- than OR four bitmap index scans together.)
--
-- pg_trgm ships with postgresql-contrib and is a trusted extension (a
-- database owner may create it). The extension is database-wide: it is
-- created in schema public when missing (not in the current schema, which
-- may be dropped with everything in it) and its operator class is named
-- with its schema, whatever that is. When it cannot be created the
-- migration still succeeds without the indexes and search scans the
-- organization's customers (correct, slower), and a notice says so; the
-- indexes can be created later by hand with the statements below once a
-- superuser has run CREATE EXTENSION pg_trgm.

DO $$
DECLARE
    ns text;
BEGIN
    SELECT n.nspname INTO ns FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_trgm';
    IF ns IS NULL THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
        EXCEPTION WHEN OTHERS THEN
            -- Another database session may have created it meanwhile.
            RAISE NOTICE 'gatehouse: cannot create extension pg_trgm (%)', SQLERRM;
        END;
        SELECT n.nspname INTO ns FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = 'pg_trgm';
    END IF;
    IF ns IS NULL THEN
        RAISE NOTICE 'gatehouse: pg_trgm unavailable; customer search scans without an index';
        RETURN;
    END IF;
    EXECUTE format('CREATE INDEX customers_search_trgm ON customers USING gin ((%s) %I.gin_trgm_ops) WHERE deleted_at IS NULL',
        'coalesce(email_lower, '''') || chr(10) || coalesce(name_lower, '''') || chr(10) || '
        || 'coalesce(billing_name_lower, '''') || chr(10) || coalesce(external_id_lower, '''')', ns);
END
$$;
