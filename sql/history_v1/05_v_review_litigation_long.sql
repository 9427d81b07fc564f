-- One row per cell of the administrative review and litigation table of each current report.
-- history_v1: jurisdiction_name as of the report's year; jurisdiction_code_now appended.
create or replace view v_review_litigation_long as
select r.report_id,
       r.jurisdiction_code,
       coalesce(named.name, j.name) as jurisdiction_name,
       r.agency,
       r.year,
       c.proceeding,
       c.outcome,
       c.value,
       c.raw,
       c.label,
       r.template,
       j.code_now as jurisdiction_code_now
from core.review_litigation_cell c
join core.report r on r.report_id = c.report_id and r.is_current
join core.jurisdiction j on j.code = r.jurisdiction_code
left join lateral (
    -- The name the code had in the report's year (a county renamed or merged since).
    select p.name from core.jurisdiction_name_period p
    where p.code = r.jurisdiction_code and p.valid_from <= r.year and (p.valid_to is null or p.valid_to >= r.year)
    order by (p.valid_to is not null and p.valid_to = r.year), p.valid_from desc
    limit 1
) named on true;
