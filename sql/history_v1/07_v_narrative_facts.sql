-- One row per headline fact a current report states in a sentence ("全年共受理政府信息公开申请52件"):
-- the free-form reports before 2019 state their numbers this way; later reports repeat a few of
-- them beside their tables. `fact` is a stable code (etl/narrative.py FACTS), `value` the number
-- (fees in 元), `sentence` the sentence as printed, `source_line` its 1-based line in the text.
create or replace view v_narrative_facts as
select r.report_id,
       r.jurisdiction_code,
       coalesce(named.name, j.name) as jurisdiction_name,
       r.agency,
       r.year,
       f.fact,
       f.value,
       f.unit,
       f.sentence,
       f.source_line,
       j.code_now as jurisdiction_code_now
from core.narrative_fact f
join core.report r on r.report_id = f.report_id and r.is_current
join core.jurisdiction j on j.code = r.jurisdiction_code
left join lateral (
    -- The name the code had in the report's year (a county renamed or merged since).
    select p.name from core.jurisdiction_name_period p
    where p.code = r.jurisdiction_code and p.valid_from <= r.year and (p.valid_to is null or p.valid_to >= r.year)
    order by (p.valid_to is not null and p.valid_to = r.year), p.valid_from desc
    limit 1
) named on true;
