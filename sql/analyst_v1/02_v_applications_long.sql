-- One row per cell of the applications (收到和处理政府信息公开申请) table of each current report;
-- analyst_v1 (on history_v1) adds where each cell was read (source_line, source_page) at the end.
create or replace view v_applications_long as
select r.report_id,
       r.jurisdiction_code,
       coalesce(named.name, j.name) as jurisdiction_name,
       r.agency,
       r.year,
       c.row_code,
       c.applicant,
       c.value,
       concat_ws(' / ', c.row_label, c.column_label) as label,
       c.raw,
       r.template,
       j.code_now as jurisdiction_code_now,
       c.source_line,
       c.source_page
from core.application_cell c
join core.report r on r.report_id = c.report_id and r.is_current
join core.jurisdiction j on j.code = r.jurisdiction_code
left join lateral (
    -- The name the code had in the report's year (a county renamed or merged since).
    select p.name from core.jurisdiction_name_period p
    where p.code = r.jurisdiction_code and p.valid_from <= r.year and (p.valid_to is null or p.valid_to >= r.year)
    order by (p.valid_to is not null and p.valid_to = r.year), p.valid_from desc
    limit 1
) named on true;
