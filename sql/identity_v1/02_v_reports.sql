-- One row per current report: the latest version from each source (path or URL). Two sources
-- read as one jurisdiction × agency × year are both here, each with an identity_conflict issue.
-- agency_printed is the issuing body as the report prints it (agency is its normalised form);
-- zone the development zone / new area the report comes from, if any (its jurisdiction_code is
-- the division that contains the zone).
create or replace view v_reports as
select r.report_id,
       r.jurisdiction_code,
       j.name as jurisdiction_name,
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
       r.zone
from core.report r
left join core.jurisdiction j on j.code = r.jurisdiction_code
where r.is_current;
