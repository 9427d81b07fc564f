-- One row per current report: the latest version from each source (path or URL). Two sources
-- read as one jurisdiction × agency × year are both here, each with an identity_conflict issue.
-- agency_printed is the issuing body as the report prints it (agency is its normalised form);
-- zone the development zone / new area the report comes from, if any (its jurisdiction_code is
-- the division that contains the zone).
-- history_v1: jurisdiction_name as of the report's year; jurisdiction_code_now appended.
create or replace view v_reports as
select r.report_id,
       r.jurisdiction_code,
       coalesce(named.name, j.name) as jurisdiction_name,
       r.agency,
       r.year,
       r.source_uri,
       r.sha256,
       r.template,
       r.title,
       r.published_on,
       r.status,
       (select count(*) from v_quality_issues q where q.report_id = r.report_id) as issue_count,
       r.status_detail,
       r.conversion,
       r.parser_version,
       r.loaded_at,
       r.agency_printed,
       r.zone,
       j.code_now as jurisdiction_code_now
from core.report r
left join core.jurisdiction j on j.code = r.jurisdiction_code
left join lateral (
    -- The name the code had in the report's year (a county renamed or merged since).
    select p.name from core.jurisdiction_name_period p
    where p.code = r.jurisdiction_code and p.valid_from <= r.year and (p.valid_to is null or p.valid_to >= r.year)
    order by (p.valid_to is not null and p.valid_to = r.year), p.valid_from desc
    limit 1
) named on true
where r.is_current;
