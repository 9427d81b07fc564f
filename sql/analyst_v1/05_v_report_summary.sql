-- One row per current report: its identity, template and status, and the headline numbers as
-- named columns, so that the common questions need no pivot. Every number is the cell as read
-- (applications: the 总计 column): a blank cell stays NULL, and a number made of several cells
-- (not_disclosed, lawsuits_total …) is NULL when any of them is blank — blank is not zero.
-- Reports without tables (no_tables, quarantined) have a row with NULL numbers.
create view v_report_summary as
with current_report as (
    select r.* from core.report r where r.is_current
),
app as (
    select c.report_id,
           max(c.value) filter (where c.row_code = '1')   as applications_new,
           max(c.value) filter (where c.row_code = '2')   as applications_carried_over,
           max(c.value) filter (where c.row_code = '3.1') as disclosed,
           max(c.value) filter (where c.row_code = '3.2') as partly_disclosed,
           -- A sum of parts is known only when every part is.
           case when bool_and(c.value is not null) filter (where c.row_code like '3.3.%')
                then sum(c.value) filter (where c.row_code like '3.3.%') end as not_disclosed,
           case when bool_and(c.value is not null) filter (where c.row_code like '3.4.%')
                then sum(c.value) filter (where c.row_code like '3.4.%') end as unable_to_provide,
           case when bool_and(c.value is not null) filter (where c.row_code like '3.5.%')
                then sum(c.value) filter (where c.row_code like '3.5.%') end as not_processed,
           -- 3.6 in the 2019 template, 3.6.1–3.6.3 in the 2021 template.
           case when bool_and(c.value is not null) filter (where c.row_code = '3.6' or c.row_code like '3.6.%')
                then sum(c.value) filter (where c.row_code = '3.6' or c.row_code like '3.6.%') end as other_handling,
           max(c.value) filter (where c.row_code = '3.7') as applications_handled,
           max(c.value) filter (where c.row_code = '4')   as carried_forward
    from core.application_cell c
    join current_report r using (report_id)
    where c.applicant = 'total'
    group by c.report_id
),
rl as (
    select c.report_id,
           max(c.value) filter (where c.proceeding = 'review' and c.outcome = 'total')     as reviews_total,
           max(c.value) filter (where c.proceeding = 'review' and c.outcome = 'corrected') as reviews_corrected,
           case when bool_and(c.value is not null) filter (where c.proceeding <> 'review' and c.outcome = 'total')
                then sum(c.value) filter (where c.proceeding <> 'review' and c.outcome = 'total') end as lawsuits_total,
           case when bool_and(c.value is not null) filter (where c.proceeding <> 'review' and c.outcome = 'corrected')
                then sum(c.value) filter (where c.proceeding <> 'review' and c.outcome = 'corrected') end as lawsuits_corrected
    from core.review_litigation_cell c
    join current_report r using (report_id)
    group by c.report_id
),
a20 as (
    select c.report_id,
           -- 2021 template only: the 2019 template prints 对外公开总数量 (published to date), which is
           -- not the number in force; it stays in v_article20_long as metric total_published.
           max(c.value) filter (where c.category = 'normative_documents' and c.metric = 'in_force') as normative_documents_in_force,
           max(c.value) filter (where c.category = 'licensing' and c.metric = 'decisions') as licensing_decisions,
           max(c.value) filter (where c.category = 'penalty' and c.metric = 'decisions')   as penalty_decisions,
           -- 2021 template only (本年收费金额); the 2019 template counts fee items, not money.
           max(c.value) filter (where c.category = 'fees' and c.metric = 'fee_amount')     as fee_amount_10k_yuan
    from core.article20_cell c
    join current_report r using (report_id)
    group by c.report_id
),
issues as (
    select q.report_id,
           count(*) filter (where q.severity = 'error')   as error_count,
           count(*) filter (where q.severity = 'warning') as warning_count
    from v_quality_issues q
    group by q.report_id
)
select r.report_id,
       r.jurisdiction_code,
       coalesce(named.name, j.name) as jurisdiction_name,
       r.agency,
       r.year,
       r.template,
       r.status,
       r.title,
       r.source_uri,
       app.applications_new,
       app.applications_carried_over,
       app.disclosed,
       app.partly_disclosed,
       app.not_disclosed,
       app.unable_to_provide,
       app.not_processed,
       app.other_handling,
       app.applications_handled,
       app.carried_forward,
       rl.reviews_total,
       rl.reviews_corrected,
       rl.lawsuits_total,
       rl.lawsuits_corrected,
       a20.normative_documents_in_force,
       a20.licensing_decisions,
       a20.penalty_decisions,
       a20.fee_amount_10k_yuan,
       -- (予以公开 + 部分公开) / （七）总计, as printed; NULL when any is blank or the total is 0.
       round((app.disclosed + app.partly_disclosed) / nullif(app.applications_handled, 0), 4) as disclosure_rate,
       coalesce(issues.error_count, 0) as error_count,
       coalesce(issues.warning_count, 0) as warning_count,
       j.code_now as jurisdiction_code_now
from current_report r
left join core.jurisdiction j on j.code = r.jurisdiction_code
left join lateral (
    -- The name the code had in the report's year (a county renamed or merged since).
    select p.name from core.jurisdiction_name_period p
    where p.code = r.jurisdiction_code and p.valid_from <= r.year and (p.valid_to is null or p.valid_to >= r.year)
    order by (p.valid_to is not null and p.valid_to = r.year), p.valid_from desc
    limit 1
) named on true
left join app using (report_id)
left join rl using (report_id)
left join a20 using (report_id)
left join issues using (report_id);
