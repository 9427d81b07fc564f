-- One row per problem found in a current report: the checks run at load time (core.quality_issue)
-- plus the checks across two years of the same body and between reports sharing an identity,
-- computed here so that they stay right whichever report arrives first (or leaves).
-- history_v1: jurisdiction_name as of the report's year; jurisdiction_code_now appended.
-- speed_v1: the checks across two years find the previous year's report in core.report through
-- an index (report_current_identity_all), not by joining the current_report CTE to itself: a CTE
-- has no index, so that join was a nested loop over every pair of current reports (quadratic).
create or replace view v_quality_issues as
with current_report as (
    select r.report_id, r.jurisdiction_code, r.agency, r.year, r.template, r.status, r.source_uri
    from core.report r
    where r.is_current
),
identity_conflict as (
    -- Two current reports from different sources with one (jurisdiction, agency, year): both are
    -- kept and both carry this error, naming the other, so no total counts one of them silently.
    select cur.report_id,
           'report'::text as table_name,
           'identity_conflict'::text as check_code,
           'error'::text as severity,
           format('另一来源的报告与本报告身份相同（%s %s %s年）：%s（report_id %s）；两份都保留为当前报告，'
                  '汇总时请只取其一；若后者是前者的新版本，用 ogi run --replace 指定替换',
                  cur.jurisdiction_code, cur.agency, cur.year, other.source_uri, other.report_id) as detail,
           null::numeric as expected,
           null::numeric as actual
    from current_report cur
    join current_report other
      on other.jurisdiction_code = cur.jurisdiction_code
     and other.agency = cur.agency
     and other.year = cur.year
     and other.report_id <> cur.report_id
    where cur.status <> 'quarantined' and other.status <> 'quarantined'
),
carryover as (
    -- 二、上年结转 (year Y) must equal 四、结转下年度继续办理 (year Y-1), column by column.
    select cur.report_id,
           'applications'::text as table_name,
           'carryover_matches_previous_year'::text as check_code,
           'error'::text as severity,
           format('%s列: 二、上年结转政府信息公开申请数量 (%s年) = %s, 但%s年报告的 四、结转下年度继续办理 = %s',
                  coalesce(c_this.column_label, c_this.applicant), cur.year, c_this.value,
                  prev.year, c_prev.value) as detail,
           c_prev.value as expected,
           c_this.value as actual
    from current_report cur
    join core.report prev
      on prev.is_current
     and prev.jurisdiction_code = cur.jurisdiction_code
     and prev.agency = cur.agency
     and prev.year = cur.year - 1
    join core.application_cell c_this on c_this.report_id = cur.report_id and c_this.row_code = '2'
    join core.application_cell c_prev
      on c_prev.report_id = prev.report_id and c_prev.row_code = '4' and c_prev.applicant = c_this.applicant
    where c_this.value is not null and c_prev.value is not null and c_this.value <> c_prev.value
),
in_force as (
    -- 2021 template: 现行有效件数 (Y) ≈ 现行有效件数 (Y-1) + 本年制发件数 - 本年废止件数.
    -- Soft: some reports redefine the count, so a break is a warning.
    select cur.report_id,
           'article20'::text as table_name,
           'in_force_follows_previous_year'::text as check_code,
           'warning'::text as severity,
           format('%s: 现行有效件数 %s年 = %s, 但 %s年现行有效件数 %s + 本年制发件数 %s - 本年废止件数 %s = %s',
                  coalesce(f_this.row_label, f_this.category), cur.year, f_this.value, prev.year, f_prev.value,
                  issued.value, repealed.value, f_prev.value + issued.value - repealed.value) as detail,
           f_prev.value + issued.value - repealed.value as expected,
           f_this.value as actual
    from current_report cur
    join core.report prev
      on prev.is_current
     and prev.jurisdiction_code = cur.jurisdiction_code
     and prev.agency = cur.agency
     and prev.year = cur.year - 1
     and prev.template = '2021'
    join core.article20_cell f_this
      on f_this.report_id = cur.report_id and f_this.item = '20.1' and f_this.metric = 'in_force'
    join core.article20_cell f_prev
      on f_prev.report_id = prev.report_id and f_prev.item = '20.1' and f_prev.metric = 'in_force'
     and f_prev.category = f_this.category
    join core.article20_cell issued
      on issued.report_id = cur.report_id and issued.item = '20.1' and issued.metric = 'issued_this_year'
     and issued.category = f_this.category
    join core.article20_cell repealed
      on repealed.report_id = cur.report_id and repealed.item = '20.1' and repealed.metric = 'repealed_this_year'
     and repealed.category = f_this.category
    where cur.template = '2021'
      and f_this.value is not null and f_prev.value is not null
      and issued.value is not null and repealed.value is not null
      and f_this.value <> f_prev.value + issued.value - repealed.value
),
all_issues as (
    select q.report_id, q.table_name, q.check_code, q.severity, q.detail, q.expected, q.actual, q.issue_no
    from core.quality_issue q
    join current_report cur using (report_id)
    union all
    select report_id, table_name, check_code, severity, detail, expected, actual, null from carryover
    union all
    select report_id, table_name, check_code, severity, detail, expected, actual, null from in_force
    union all
    select report_id, table_name, check_code, severity, detail, expected, actual, null from identity_conflict
)
select i.report_id,
       r.jurisdiction_code,
       coalesce(named.name, j.name) as jurisdiction_name,
       r.agency,
       r.year,
       i.table_name,
       i.check_code,
       i.severity,
       i.detail,
       i.expected,
       i.actual,
       i.issue_no,
       j.code_now as jurisdiction_code_now
from all_issues i
join core.report r using (report_id)
left join core.jurisdiction j on j.code = r.jurisdiction_code
left join lateral (
    -- The name the code had in the report's year (a county renamed or merged since).
    select p.name from core.jurisdiction_name_period p
    where p.code = r.jurisdiction_code and p.valid_from <= r.year and (p.valid_to is null or p.valid_to >= r.year)
    order by (p.valid_to is not null and p.valid_to = r.year), p.valid_from desc
    limit 1
) named on true;
