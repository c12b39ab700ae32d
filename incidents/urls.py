from django.urls import path

from incidents.views import cases, concerns, exports, home, letters, pages, reports, retention, steps, two_factor

app_name = "incidents"

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("report/", reports.ReportConcernView.as_view(), name="report"),
    path("report/check/", reports.ReportCheckView.as_view(), name="report_check"),
    path("reports/", reports.MyReportsView.as_view(), name="report_list"),
    path("reports/<uuid:uuid>/", reports.MyReportDetailView.as_view(), name="report_detail"),
    path("reports/<uuid:uuid>/evidence/", reports.ReportEvidenceView.as_view(), name="report_evidence"),
    path("cases/", cases.CaseListView.as_view(), name="case_list"),
    path("low-level-concerns/", concerns.ConcernPeopleView.as_view(), name="concern_people"),
    path("low-level-concerns/about-me/", concerns.SelfReferralView.as_view(), name="concern_self_referral"),
    path("low-level-concerns/<uuid:staff>/", concerns.ConcernLogView.as_view(), name="concern_log"),
    path("low-level-concerns/<uuid:staff>/add/", concerns.ConcernAddView.as_view(), name="concern_add"),
    path("low-level-concerns/<uuid:staff>/refer/", concerns.PatternReferView.as_view(), name="concern_refer"),
    path("cases/<uuid:uuid>/", cases.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<uuid:uuid>/steps/<slug:step>/", steps.CaseStepView.as_view(), name="case_step"),
    path("cases/<uuid:uuid>/evidence/<uuid:evidence>/", cases.EvidenceDownloadView.as_view(),
         name="evidence_download"),
    path("cases/<uuid:uuid>/letters/<uuid:letter>/", cases.LetterDownloadView.as_view(), name="letter_download"),
    path("cases/<uuid:uuid>/letters/<uuid:letter>/new-version/", cases.LetterReissueView.as_view(),
         name="letter_reissue"),
    path("cases/<uuid:uuid>/letters/<uuid:letter>/delivery/", letters.LetterDeliveryView.as_view(),
         name="letter_delivery"),
    path("cases/<uuid:uuid>/legal-hold/", retention.LegalHoldView.as_view(), name="legal_hold"),
    path("cases/<uuid:uuid>/legal-hold/<uuid:hold>/lift/", retention.LegalHoldLiftView.as_view(),
         name="legal_hold_lift"),
    # A letter emailed to its recipient, who needs no account (incidents/letters/delivery.py)
    path("letter/<str:token>/", letters.LetterLinkView.as_view(), name="letter_link"),
    path("letter/<str:token>/letter.pdf", letters.LetterLinkDownloadView.as_view(), name="letter_link_download"),
    # The second step of signing in (incidents/two_factor.py)
    path("account/two-factor/", two_factor.TwoFactorEnrolView.as_view(), name="two_factor_enrol"),
    path("account/two-factor/code/", two_factor.TwoFactorVerifyView.as_view(), name="two_factor_verify"),
    path("accessibility/", pages.AccessibilityStatementView.as_view(), name="accessibility"),
    # HR exports (incidents/views/exports.py)
    path("exports/", exports.ExportsView.as_view(), name="exports"),
    path("exports/register/", exports.RegisterDownloadView.as_view(), name="export_register"),
    path("exports/subject-access/", exports.SubjectAccessRequestsView.as_view(), name="export_subject_access"),
    path("exports/subject-access/<uuid:uuid>/", exports.SubjectAccessRequestView.as_view(),
         name="subject_access_request"),
    path("exports/subject-access/<uuid:uuid>/extend/", exports.SubjectAccessExtendView.as_view(),
         name="subject_access_extend"),
    path("exports/subject-access/<uuid:uuid>/pack/", exports.SubjectAccessPackView.as_view(),
         name="subject_access_pack"),
    path("exports/subject-access/<uuid:uuid>/answered/", exports.SubjectAccessCompleteView.as_view(),
         name="subject_access_complete"),
    path("exports/subject-access/<uuid:uuid>/letters/<uuid:letter>/", exports.SubjectAccessLetterView.as_view(),
         name="subject_access_letter"),
    path("exports/prepared/<uuid:uuid>/", exports.PreparedDownloadView.as_view(), name="export_prepared"),
    path("cases/<uuid:uuid>/bundle/", exports.CaseBundleView.as_view(), name="case_bundle"),
]
