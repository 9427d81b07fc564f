-- One row per current report (the latest version of each jurisdiction × agency × year, and each
-- quarantined file), with how many quality issues it has.
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
