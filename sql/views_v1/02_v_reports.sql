-- One row per current report (the latest version of each jurisdiction × agency × year, and each
-- quarantined file), with how many quality issues it has.
create view v_reports as
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
       r.loaded_at
from core.report r
left join core.jurisdiction j on j.code = r.jurisdiction_code
where r.is_current;
