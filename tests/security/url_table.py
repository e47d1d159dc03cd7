"""The URL-role table (issue 13, point 3): for every URL pattern of the portal, the outcome of a
GET (and of a POST, where the view takes one) for every role of tests/security/world.py.

One line per pattern: ``"name": Url(kwargs, get=..., post=...)``, the outcomes in the notation
of tests/security/outcomes.py. A POST is sent without data: an allowed role gets past the
permission and meets the form (400, 409, or a redirect); a refused one must change nothing.
The admin's pages of every registered model are generated from ``ADMIN`` below (one line per
model). tests/security/test_url_permissions.py fails for a pattern that is in neither.

Adding a URL: add its line here, with the object it needs from the world (add the object to
tests/security/world.py if it is new), and the outcome per role; start from the area's default.
"""

from collections.abc import Callable
from dataclasses import dataclass

from calls.alert_services import confirm_token, unsubscribe_token
from tests.security.world import World


def none(w: World, role: str) -> dict:
    return {}


@dataclass(frozen=True)
class Url:
    kwargs: Callable[[World, str], dict] = none
    get: str | None = None
    post: str | None = None
    query: str = ""
    # For a pattern without a name (keyed by its route): the address to request.
    path: Callable[[World, str], str] | None = None
    # What the POST sends (nothing by default).
    data: dict | None = None


def pk(attribute: str) -> Callable[[World, str], dict]:
    """``{"pk": <the world's object>.pk}``."""
    return lambda w, role: {"pk": getattr(w, attribute).pk}


def own_assignment(w: World, role: str) -> dict:
    """An evaluator's own assignment; for everyone else the one of the declared evaluator."""
    return {"pk": w.assignments.get(role, w.assignments["eval_after"]).pk}


def report_attachment(w: World, role: str) -> dict:
    return {"pk": w.app_contracted.pk, "kind": "final", "attachment_id": w.report_attachment.pk}


# --- defaults per area ----------------------------------------------------------------------------
PUBLIC = "* 200"
# A page every logged-in person has (their own data only): anonymous visitors log in.
LOGGED_IN = "anon login; * 200"
# A POST-only view behind a login: a GET is not allowed.
POST_ONLY = "anon login; * 405"
# The owning applicant's own pages: nobody else learns that the object exists.
OWNER = "anon login; owner 200; * 404"
# The admin: people without staff status (applicants, evaluators, anonymous) go to its login.
ADMIN_SUPERUSER = "staff 403; superuser 200; * login"
ADMIN_NOBODY = "staff superuser 403; * login"
# ``<object_id>/``, the old address of a change page, redirects to it (for anyone of the staff).
ADMIN_REDIRECT = "staff superuser 302; * login"

TABLE: dict[str, Url] = {
    # --- probes and the scraper (portal.health, portal.metrics): GET only -------------------------
    "healthz": Url(get=PUBLIC, post="* 405"),
    "readyz": Url(get=PUBLIC, post="* 405"),
    # Not a role's permission but the caller's address or token: the development settings answer
    # the machine itself (127.0.0.1, as the test client is); production answers only the bearer
    # token or METRICS_ALLOWED_IPS, tested in tests/portal/test_metrics.py.
    "metrics": Url(get=PUBLIC, post="* 405"),
    # Browsers' reports of the content security policy (portal.csp_reports): POST only, from
    # anyone; an empty body is no report.
    "csp_report": Url(get="* 405", post="* 400"),
    # --- public -----------------------------------------------------------------------------------
    "calls:home": Url(get=PUBLIC),
    "calls:detail": Url(lambda w, r: {"slug": w.call_open.slug}, get=PUBLIC),
    "calls:document": Url(lambda w, r: {"slug": w.call_open.slug, "pk": w.document.pk}, get=PUBLIC),
    # Call alerts (no account): an empty subscription is refused; the confirmation link stores
    # the subscription it carries, the one-click unsubscribe (RFC 8058, no CSRF token) deletes.
    "calls:alerts": Url(get=PUBLIC, post="* 400"),
    "calls:alerts_confirm": Url(
        lambda w, r: {"token": confirm_token(email="new@example.eu",
                                             eurocluster_ids=[w.eurocluster.pk],
                                             objectives=[])},
        get=PUBLIC,
        post="* 302+"),
    "calls:alerts_unsubscribe": Url(
        lambda w, r: {"token": unsubscribe_token(w.subscription)},
        get=PUBLIC,
        post="* 200+"),
    "payments:verify": Url(get=PUBLIC, query="code=SECA-VERIFY-1"),
    "reporting:beneficiaries": Url(get=PUBLIC),
    "reporting:beneficiaries_csv": Url(get=PUBLIC),
    "reporting:beneficiaries_json": Url(get=PUBLIC),
    "reporting:calls_json": Url(get=PUBLIC),
    "reporting:calls_atom": Url(get=PUBLIC),
    "reporting:calls_ics": Url(get=PUBLIC),
    "evaluation:invitation": Url(
        lambda w, r: {"token": w.invitation.token},
        get=PUBLIC,
        post="* 404"),

    # --- anyone logged in: questions about a call, following it ---------------------------------
    "calls:question_ask": Url(
        lambda w, r: {"slug": w.call_open.slug},
        get=POST_ONLY,
        post="anon login; * 400"),
    "calls:follow": Url(
        lambda w, r: {"slug": w.call_open.slug},
        get=POST_ONLY,
        post="anon login; * 302+"),
    # Nobody follows the world's call: unfollowing changes nothing.
    "calls:unfollow": Url(
        lambda w, r: {"slug": w.call_open.slug},
        get=POST_ONLY,
        post="anon login; * 302"),

    # --- applicant --------------------------------------------------------------------------------
    "applications:dashboard": Url(get=LOGGED_IN),
    "applications:organisation": Url(get=LOGGED_IN, post="anon login; * 400"),
    # Anyone with an enterprise starts an application (302+); without one: sent to describe it.
    "applications:start": Url(
        lambda w, r: {"slug": w.call_open.slug},
        get=POST_ONLY,
        post="anon login; applicant member 302+; * 302"),
    # The consortium member (a partner SME named in the application, with an account of its own)
    # sees nothing of it, like any other applicant: DESIGN.md's "its consortium's" is not built.
    "applications:detail": Url(
        pk("app_eval"),
        get="anon login; owner manager superuser 200; * 404"),
    "applications:edit": Url(pk("app_draft"), get=OWNER, post="anon login; owner 400+; * 404"),
    "applications:autosave": Url(
        pk("app_draft"),
        get=POST_ONLY,
        post="anon login; owner 200+; * 404"),
    "applications:upload": Url(pk("app_draft"), get=POST_ONLY, post="anon login; owner 302; * 404"),
    "applications:attachment": Url(
        lambda w, r: {"pk": w.app_eval.pk, "attachment_id": w.eval_attachment.pk},
        get="anon login; owner manager superuser 200; * 404"),
    "applications:attachment_remove": Url(
        lambda w, r: {"pk": w.app_draft.pk, "attachment_id": w.draft_attachment.pk},
        get=POST_ONLY,
        post="anon login; owner 302+; * 404"),
    "applications:submit": Url(pk("app_draft"), get=OWNER, post="anon login; owner 400; * 404"),
    "applications:receipt": Url(
        lambda w, r: {"pk": w.app_eval.pk, "number": 1},
        get="anon login; owner manager superuser 200; * 404"),
    # Only the applicant answers a clarification request: a manager or a superuser sees the
    # application, and is refused the answer (403); nobody else learns it exists.
    "applications:clarification_answer": Url(
        lambda w, r: {"pk": w.app_eval.pk, "request_id": w.clarification.pk},
        get="anon login; owner 200; manager superuser 403; * 404",
        post="anon login; owner 400; manager superuser 403; * 404"),
    # Files of answers: the applicant and the Eurocluster's managers (evaluators read shared
    # ones through their assignment: evaluation:review_clarification_file).
    "applications:clarification_file": Url(
        lambda w, r: {"pk": w.app_eval.pk, "attachment_id": w.clarification_file.pk},
        get="anon login; owner manager superuser 200; * 404"),
    # Not a superuser either: nobody withdraws in the applicant's name.
    "applications:withdraw": Url(
        pk("app_eval"),
        get="anon login; owner 200; manager superuser 403; * 404",
        post="anon login; owner 400; manager superuser 403; * 404"),
    "evaluation:esr": Url(pk("app_rejected"), get=OWNER),
    "evaluation:selection_decline": Url(
        pk("app_selected"),
        get=OWNER,
        post="anon login; owner 400; * 404"),
    "evaluation:redress_file": Url(
        pk("app_rejected"),
        get=OWNER,
        post="anon login; owner 400; * 404"),
    "payments:agreement": Url(pk("app_contracted"), get=OWNER, post="anon login; owner 400; * 404"),
    "payments:agreement_download": Url(pk("app_contracted"), get=OWNER),
    "payments:bank": Url(get=LOGGED_IN, post="anon login; applicants 400; * 404"),
    "payments:reports": Url(pk("app_contracted"), get=OWNER),
    "payments:report": Url(
        lambda w, r: {"pk": w.app_contracted.pk, "kind": "final"},
        get=OWNER,
        post="anon login; owner 409; * 404"),
    "payments:report_attach": Url(
        lambda w, r: {"pk": w.app_contracted.pk, "kind": "final"},
        get=POST_ONLY,
        post="anon login; owner 400; * 404"),
    "payments:report_attachment": Url(report_attachment, get=OWNER),
    "payments:report_attachment_remove": Url(
        report_attachment,
        get=POST_ONLY,
        post="anon login; owner 302; * 404"),
    "payments:payments_timeline": Url(pk("app_contracted"), get=OWNER),

    # --- evaluator --------------------------------------------------------------------------------
    "evaluation:queue": Url(get=LOGGED_IN),
    "evaluation:profile": Url(
        get="anon login; evaluators 200; * 404",
        post="anon login; evaluators 400; * 404"),
    "evaluation:call_declaration": Url(
        pk("call_eval"),
        get="anon login; evaluators 200; * 404",
        post="anon login; evaluators 400; * 404"),
    # The evaluator before the declarations is sent to the call's declaration; after both, to
    # the review; an unassigned evaluator does not learn that the assignment exists.
    "evaluation:conflict": Url(
        own_assignment,
        get="anon login; eval_before eval_after 302; * 404",
        post="anon login; eval_before eval_after 302; * 404"),
    "evaluation:review": Url(
        own_assignment,
        get="anon login; eval_before 302; eval_after 200; * 404",
        post="anon login; eval_before 302; eval_after 302+; * 404"),
    # A proposal's document before the declarations: 403 (DESIGN.md section 6).
    "evaluation:review_attachment": Url(
        lambda w, r: {**own_assignment(w, r), "attachment_id": w.eval_attachment.pk},
        get="anon login; eval_before 403; eval_after 200; * 404"),
    # A file of a clarification the manager shared: like the proposal's documents.
    "evaluation:review_clarification_file": Url(
        lambda w, r: {**own_assignment(w, r), "attachment_id": w.clarification_file.pk},
        get="anon login; eval_before 403; eval_after 200; * 404"),
    "evaluation:consensus": Url(
        pk("app_eval"),
        get="anon login; manager superuser 200; * 404",
        post="anon login; manager superuser 409; * 404"),

    # --- manager area -----------------------------------------------------------------------------
    "reporting:dashboard": Url(get="anon login; staff_b manager finance superuser 200; * 403"),
    "reporting:dashboard_call": Url(
        pk("call_eval"),
        get="anon login; manager finance superuser 200; staff_b 404; * 403"),
    "reporting:dashboard_chart_csv": Url(
        lambda w, r: {"slug": "budget"},
        get="anon login; staff_b manager finance superuser 200; * 403"),
    "reporting:reporting_pack": Url(get="anon login; manager manager_b superuser 200; * 403"),
    "calls:manage_questions": Url(
        pk("call_open"),
        get="anon login; manager superuser 200; * 404"),
    "calls:manage_question": Url(
        pk("question"),
        get="anon login; manager superuser 200; * 404",
        post="anon login; manager superuser 400; * 404"),
    "calls:manage_question_publish": Url(
        pk("question"),
        get=POST_ONLY,
        post="anon login; manager superuser 400; * 404"),
    "applications:manage_calls": Url(get="anon login; manager manager_b superuser 200; * 403"),
    "applications:manage_call_eligibility": Url(
        pk("call_eval"),
        get="anon login; manager superuser 200; * 404"),
    "applications:manage_eligibility_release": Url(
        pk("call_eval"),
        get=POST_ONLY,
        post="anon login; manager superuser 302+; * 404"),
    "applications:manage_eligibility_result": Url(
        pk("eligibility"),
        get="anon login; manager superuser 200; * 404",
        post="anon login; manager superuser 400; * 404"),
    "applications:manage_clarification_ask": Url(
        pk("app_eval"),
        get="anon login; manager superuser 200; * 404",
        post="anon login; manager superuser 400; * 404"),
    # Sharing needs to say which way (an empty POST changes nothing); closing needs nothing.
    "applications:manage_clarification_share": Url(
        pk("clarification"),
        get=POST_ONLY,
        post="anon login; manager superuser 400; * 404"),
    "applications:manage_clarification_close": Url(
        pk("clarification"),
        get=POST_ONLY,
        post="anon login; manager superuser 302+; * 404"),
    "evaluation:manage_pool": Url(
        pk("call_eval"),
        get="anon login; manager superuser 200; * 404",
        post="anon login; manager superuser 400; * 404"),
    "evaluation:manage_pool_remove": Url(
        pk("pool_entry"),
        get=POST_ONLY,
        post="anon login; manager superuser 302+; * 404"),
    "evaluation:manage_pool_rapporteur": Url(
        pk("pool_entry"),
        get=POST_ONLY,
        post="anon login; manager superuser 302; * 404"),
    "evaluation:manage_assignment": Url(
        pk("call_eval"),
        get="anon login; manager superuser 200; * 404",
        post="anon login; manager superuser 302+; * 404"),
    "evaluation:manage_run": Url(pk("run"), get="anon login; manager superuser 200; * 404"),
    "evaluation:manage_application_assignments": Url(
        pk("app_eval"),
        get="anon login; manager superuser 200; * 404",
        post="anon login; manager superuser 400; * 404",
        data={"action": "add"}),
    "evaluation:manage_reviews": Url(
        pk("call_eval"),
        get="anon login; manager superuser 200; * 404"),
    "evaluation:manage_review_reopen": Url(
        pk("review"),
        get=POST_ONLY,
        post="anon login; manager superuser 302; * 404"),
    "evaluation:manage_ranking": Url(
        pk("call_results"),
        get="anon login; manager superuser 200; * 404",
        post="anon login; manager superuser 302; * 404"),
    "evaluation:manage_ranking_place_reexamined": Url(
        pk("call_results"),
        get=POST_ONLY,
        post="anon login; manager superuser 302; * 404"),
    "evaluation:manage_redress": Url(
        pk("redress"),
        get="anon login; manager superuser 200; * 404",
        post="anon login; manager superuser 400; * 404"),
    "payments:manage_agreements": Url(
        pk("call_results"),
        get="anon login; manager superuser 200; * 404",
        post="anon login; manager superuser 302; * 404"),
    "payments:countersign": Url(
        pk("agreement"),
        get="anon login; manager superuser 200; * 404",
        post="anon login; manager superuser 400; * 404"),
    "payments:manage_agreement_document": Url(
        pk("agreement"),
        get="anon login; manager superuser 200; * 404"),
    "payments:manage_report_dates": Url(
        pk("agreement"),
        get="anon login; manager superuser 200; * 404",
        post="anon login; manager superuser 400; * 404"),
    "payments:manage_reports": Url(
        pk("call_results"),
        get="anon login; manager superuser 200; * 404"),
    "payments:manage_report": Url(
        pk("report"),
        get="anon login; manager superuser 200; * 404",
        post="anon login; manager superuser 400; * 404"),
    "payments:manage_report_attachment": Url(
        lambda w, r: {"pk": w.report.pk, "attachment_id": w.report_attachment.pk},
        get="anon login; manager superuser 200; * 404"),
    "payments:call_ledger": Url(
        pk("call_results"),
        get="anon login; manager finance superuser 200; * 404"),
    "reporting:manage_beneficiaries": Url(get="anon login; manager manager_b superuser 200; * 403"),
    # The agreement is withheld already: the manager's POST is refused with a message (302).
    "reporting:withhold": Url(
        pk("agreement"),
        get="anon login; manager manager_b superuser 405; * 403",
        post="anon login; manager superuser 302; manager_b 404; * 403"),
    "reporting:publish": Url(
        pk("agreement"),
        get="anon login; manager manager_b superuser 405; * 403",
        post="anon login; manager superuser 302+; manager_b 404; * 403"),
    # Each person's own exports (an empty list for people who export nothing).
    "reporting:exports": Url(get=LOGGED_IN),
    "reporting:export_file": Url(pk("export"), get="anon login; manager 200; * 404"),
    "reporting:export": Url(
        lambda w, r: {"name": "applications", "file_format": "csv"},
        get="anon login; manager superuser 200; manager_b 404; * 403",
        query="call={call_eval}"),
    # Each manager reads their own Euroclusters' audit trail (a superuser all of it).
    "reporting:audit": Url(get="anon login; manager manager_b superuser 200; * 403"),
    "reporting:kpis": Url(get="anon login; manager observer manager_b superuser 200; * 403"),
    "reporting:kpis_csv": Url(get="anon login; manager observer manager_b superuser 200; * 403"),
    "reporting:kpi": Url(
        pk("kpi"),
        get="anon login; manager observer superuser 200; manager_b 404; * 403",
        post="anon login; manager superuser 400; manager_b 404; * 403"),
    "reporting:kpi_csv": Url(
        pk("kpi"),
        get="anon login; manager observer superuser 200; manager_b 404; * 403",
        post="anon login; * 404"),
    "reporting:kpi_evidence": Url(
        pk("kpi_value"),
        get="anon login; manager observer superuser 200; manager_b 404; * 403"),
    "activities:list": Url(get="anon login; manager observer manager_b superuser 200; * 403"),
    "activities:create": Url(
        get="anon login; manager manager_b superuser 200; * 403",
        post="anon login; manager manager_b superuser 400; * 403"),
    "activities:detail": Url(
        pk("activity"),
        get="anon login; manager observer superuser 200; * 404"),
    "activities:edit": Url(
        pk("activity"),
        get="anon login; manager superuser 200; observer 403; * 404",
        post="anon login; manager superuser 400; observer 403; * 404"),
    "activities:delete": Url(
        pk("activity"),
        get="anon login; manager superuser 200; observer 403; * 404",
        post="anon login; manager superuser 400; observer 403; * 404"),
    "activities:participant_add": Url(
        pk("activity"),
        get=POST_ONLY,
        post="anon login; manager superuser 400; observer 403; * 404"),
    "activities:participant_remove": Url(
        lambda w, r: {"pk": w.activity.pk, "participant_id": w.participant.pk},
        get=POST_ONLY,
        post="anon login; manager superuser 302+; observer 403; * 404"),
    "activities:import": Url(
        pk("activity"),
        get=POST_ONLY,
        post="anon login; manager superuser 400; observer 403; * 404"),
    "activities:import_preview": Url(
        lambda w, r: {"pk": w.activity.pk, "import_id": w.staged_import.pk},
        get="anon login; manager 200; observer 403; * 404",
        post="anon login; manager 302+; observer 403; * 404"),

    # --- finance area -----------------------------------------------------------------------------
    "payments:finance": Url(get="anon login; finance finance_b superuser 200; * 403"),
    "payments:finance_bank_changes": Url(get="anon login; finance finance_b superuser 200; * 403"),
    "payments:finance_bank_decide": Url(
        pk("pending_bank"),
        get=POST_ONLY,
        post="anon login; finance superuser 302; finance_b 404; * 403"),
    "payments:tranche_approve": Url(
        pk("due_tranche"),
        get=POST_ONLY,
        post="anon login; finance superuser 302; * 404"),
    "payments:batches": Url(
        get="anon login; finance finance_b superuser 200; * 403",
        post="anon login; finance finance_b superuser 404; * 403"),
    "payments:batch": Url(
        pk("batch"),
        get="anon login; finance superuser 200; * 404",
        post="anon login; finance superuser 302; * 404"),
    "payments:batch_sepa": Url(pk("batch"), get="anon login; finance superuser 200; * 404"),
    "payments:payment_paid": Url(
        pk("payment"),
        get=POST_ONLY,
        post="anon login; finance superuser 302; * 404"),
    "payments:payment_failed": Url(
        pk("payment"),
        get=POST_ONLY,
        post="anon login; finance superuser 302; * 404"),
    "payments:payment_remove": Url(
        pk("payment"),
        get=POST_ONLY,
        post="anon login; finance superuser 302+; * 404"),
    "payments:eurocluster_ledger": Url(
        get="anon login; staff_b manager finance superuser 200; * 403"),

    # --- accounts (allauth) -----------------------------------------------------------------------
    "account_login": Url(get="anon 200; * 302", post="anon 200; * 302"),
    "account_logout": Url(get="anon 302; * 200", post="* 302"),
    "account_inactive": Url(get=PUBLIC),
    "account_signup": Url(get="anon 200; * 302", post="anon 200; * 302"),
    "account_reauthenticate": Url(get=LOGGED_IN, post=LOGGED_IN),
    "account_request_reauthentication_code": Url(get=LOGGED_IN, post=LOGGED_IN),
    "account_confirm_reauthentication_code": Url(get="anon login; * 302", post="anon login; * 302"),
    "account_email": Url(get=LOGGED_IN, post="anon login; * 302"),
    "account_email_verification_sent": Url(get=PUBLIC),
    "account_change_password": Url(get=LOGGED_IN, post=LOGGED_IN),
    "account_set_password": Url(get="anon login; * 302", post="anon login; * 302"),
    "account_reset_password": Url(get=PUBLIC, post=PUBLIC),
    "account_confirm_login_code": Url(get="anon login; * 302", post="anon login; * 302"),
    "account_confirm_email": Url(lambda w, r: {"key": "not-a-key"}, get=PUBLIC, post="* 404"),
    "account_reset_password_from_key_done": Url(get=PUBLIC),
    "account_reset_password_from_key": Url(
        lambda w, r: {"uidb36": "1", "key": "not-a-key"},
        get=PUBLIC,
        post=PUBLIC),
    "account_reset_password_done": Url(get=PUBLIC),
    "mfa_index": Url(get=LOGGED_IN),
    "mfa_authenticate": Url(get="anon login; * 302", post="anon login; * 302"),
    # With an authenticator (staff and evaluators in the world): the page; without: sent on.
    "mfa_reauthenticate": Url(
        get="anon login; applicants 302; * 200",
        post="anon login; applicants 302; * 200"),
    # Each person's own second factors. Those who have an authenticator app (staff, evaluators)
    # are sent on from setting one up, and may turn it off or make new recovery codes (they
    # write: "+"); applicants have none to turn off.
    "mfa_activate_totp": Url(get="anon login; applicants 200; * 302",
                             post="anon login; applicants 200; * 302"),
    "mfa_deactivate_totp": Url(get="anon login; applicants 404; * 200",
                               post="anon login; applicants 404; * 302+"),
    "mfa_view_recovery_codes": Url(get="anon login; * 404"),
    "mfa_generate_recovery_codes": Url(get="anon login; * 200",
                                       post="anon login; applicants 200; * 302+"),
    "mfa_download_recovery_codes": Url(get="anon login; * 404"),
    # Security keys and passkeys (WebAuthn): no one in the world has a key, so a key's pages are
    # 404; allauth's WebAuthn re-authentication and passkey log-in send a logged-in person on.
    "mfa_list_webauthn": Url(get="anon login; * 200"),
    "mfa_add_webauthn": Url(get="anon login; * 200", post="anon login; * 200"),
    "mfa_reauthenticate_webauthn": Url(get="anon login; * 302", post="anon login; * 302"),
    "mfa_edit_webauthn": Url(lambda w, r: {"pk": 999999}, get="anon login; * 404",
                             post="anon login; * 404"),
    "mfa_remove_webauthn": Url(lambda w, r: {"pk": 999999}, get="anon login; * 404",
                               post="anon login; * 404"),
    "mfa_login_webauthn": Url(get="anon login; * 302", post="anon login; * 302"),

    # --- privacy (accounts): the public page, and each person's own data --------------------------
    "accounts:privacy": Url(get=PUBLIC, post="* 405"),
    # The language switcher (anyone; an empty POST changes nothing and goes back home) and the
    # JavaScript strings of a language (public, cached).
    "accounts:language": Url(get="* 405", post="* 302"),
    "accounts:javascript_catalog": Url(lambda w, r: {"language": "fr"}, get=PUBLIC,
                                       post="* 405"),
    "accounts:my_data": Url(get=LOGGED_IN, post="* 405"),
    # The ZIP of the person's own data, built on a POST (audited: the row it writes).
    "accounts:export": Url(get="* 405", post="anon login; * 200+"),
    # The decision and the password form; an empty POST meets the form (the password is asked
    # for) and erases nothing. Erasure itself: tests/accounts/test_erasure.py.
    "accounts:erase": Url(get=LOGGED_IN, post="anon login; * 200"),

    # --- the notification centre (portal): each person's own; the unsubscribe link needs no login
    "notifications:list": Url(get=LOGGED_IN),
    # Opening one marks it read and follows its link; another person's is not found.
    "notifications:open": Url(pk("notification"), get="anon login; owner 302; * 404"),
    "notifications:read": Url(pk("notification"), get=POST_ONLY,
                              post="anon login; owner 302+; * 404"),
    # Marks the person's own unread ones read: only the owner has any in the world.
    "notifications:read_all": Url(get=POST_ONLY, post="anon login; owner 302+; * 302"),
    # An empty POST chooses nothing: the form again.
    "notifications:preferences": Url(get=LOGGED_IN, post="anon login; * 400"),
    # The token is the permission (RFC 8058: the mail client posts without a session): whoever
    # holds it turns that kind off for its person, once.
    "notifications:unsubscribe": Url(lambda w, r: {"token": w.unsubscribe_token}, get=PUBLIC,
                                     post="* 200+"),

    # --- the admin's own pages (the pages of each model are in ADMIN) -----------------------------
    "admin:index": Url(get="staff superuser 200; * login"),
    "admin:login": Url(get="staff superuser 302; * 200"),
    "admin:logout": Url(get="staff superuser 405; * 302"),
    "admin:password_change": Url(get="staff superuser 200; * login"),
    "admin:password_change_done": Url(get="staff superuser 200; * login"),
    "admin:autocomplete": Url(get=ADMIN_NOBODY),
    "admin:jsi18n": Url(get="staff superuser 200; * login"),
    "admin:view_on_site": Url(
        lambda w, r: {"content_type_id": w.call_open_type, "object_id": w.call_open.pk},
        get=ADMIN_REDIRECT),
    "admin:app_list": Url(lambda w, r: {"app_label": "calls"}, get="staff superuser 200; * login"),
    "admin:auth_user_password_change": Url(
        lambda w, r: {"id": w.user("owner").pk},
        get=ADMIN_SUPERUSER),
    "admin:applications_attachment_download": Url(
        pk("eval_attachment"),
        get="manager superuser 200; staff_b finance observer 404; * login"),
    "admin:calls_calldocument_download": Url(
        pk("document"),
        get="staff_a superuser 200; staff_b 404; * login"),
    # The admin's catch-all: an unknown address under /admin/.
    "admin/(?P<url>.*)$": Url(
        get="staff superuser 404; * login",
        path=lambda w, r: "/admin/no-such-page/"),
}


# --- the admin: one line per registered model --------------------------------------------------
@dataclass(frozen=True)
class Admin:
    """The object of the change, delete and history pages, and the outcome of each page."""

    obj: Callable[[World], object]
    changelist: str = "?"
    add: str = "?"
    change: str = "?"
    delete: str = "?"
    history: str = "?"
    # ``<object_id>/``: the old address of the change page, a redirect to it.
    redirect: str = ADMIN_REDIRECT
    # POST to the change page (nothing sent) and to the delete page (the confirmation sent).
    post_change: str = "?"
    post_delete: str = "?"


ADMIN_PAGES = ("changelist", "add", "change", "delete", "history")

# The profiles of the admin's models. Another Eurocluster's staff meet the admin's "no such
# object" (a redirect to its index, nothing changed) on an object of A.
# People's accounts, groups, e-mail addresses, MFA devices: superusers only.
SUPERUSERS = {"changelist": ADMIN_SUPERUSER, "add": ADMIN_SUPERUSER, "change": ADMIN_SUPERUSER,
              "delete": ADMIN_SUPERUSER, "history": ADMIN_SUPERUSER,
              "post_change": ADMIN_SUPERUSER, "post_delete": "staff 403; superuser 302+; * login"}
# Read-only for superusers (the audit trail, withheld publications): nobody adds or changes.
SUPERUSERS_READ = {**SUPERUSERS, "add": ADMIN_NOBODY, "delete": ADMIN_NOBODY,
                   "post_change": ADMIN_NOBODY, "post_delete": ADMIN_NOBODY}
# Read-only, for the Eurocluster's managers (applications and evaluation: services change them).
MANAGERS_READ = {
    "changelist": "managers superuser 200; finance observer finance_b 403; * login",
    "add": ADMIN_NOBODY,
    "change": "manager superuser 200; finance observer finance_b 403; manager_b 302; * login",
    "delete": ADMIN_NOBODY,
    "history": "manager superuser 200; finance observer 403; staff_b 302; * login",
    "post_change": ADMIN_NOBODY, "post_delete": ADMIN_NOBODY,
}
# Read-only, for the Eurocluster's managers and finance officers (agreements, payment batches).
MONEY_READ = {
    **MANAGERS_READ,
    "changelist": "staff_b manager finance superuser 200; observer 403; * login",
    "change": "manager finance superuser 200; observer 403; staff_b 302; * login",
    "history": "manager finance superuser 200; observer 403; staff_b 302; * login",
}
# A Eurocluster's own rows (calls, the Eurocluster, its team): its staff read, its managers write.
EUROCLUSTER_ROWS = {
    "changelist": "staff superuser 200; * login",
    "add": "managers superuser 200; finance observer finance_b 403; * login",
    "change": "staff_a superuser 200; staff_b 302; * login",
    "history": "staff_a superuser 200; staff_b 302; * login",
    "post_change": "manager superuser 200; finance observer finance_b 403; manager_b 302; * login",
}

ADMIN: dict[str, Admin] = {
    "auth.group": Admin(lambda w: w.group, **SUPERUSERS),
    "account.emailaddress": Admin(lambda w: w.user("owner").emailaddress_set.get(),
                                  **SUPERUSERS),
    "mfa.authenticator": Admin(lambda w: w.user("manager").authenticator_set.get(),
                               **SUPERUSERS),
    # An account with an enterprise is protected: the delete page lists why and deletes nothing.
    "accounts.user": Admin(lambda w: w.user("owner"),
                           **{**SUPERUSERS, "post_delete": ADMIN_SUPERUSER}),
    "portal.auditentry": Admin(lambda w: w.audit_entry, **SUPERUSERS_READ),
    "portal.notification": Admin(lambda w: w.notification, **SUPERUSERS_READ),
    "reporting.export": Admin(lambda w: w.export, **SUPERUSERS_READ),
    "reporting.publicationwithholding": Admin(
        lambda w: w.agreement.publication_withholding,
        **{**SUPERUSERS_READ, "history": "staff_a 403; staff_b 302; superuser 200; * login"}),
    "applications.application": Admin(lambda w: w.app_eval, **MANAGERS_READ),
    "applications.applicationversion": Admin(lambda w: w.version, **MANAGERS_READ),
    "evaluation.assignment": Admin(lambda w: w.assignments["eval_after"], **MANAGERS_READ),
    "evaluation.assignmentrun": Admin(lambda w: w.run, **MANAGERS_READ),
    "evaluation.callevaluator": Admin(lambda w: w.pool_entry, **MANAGERS_READ),
    "evaluation.consensus": Admin(lambda w: w.app_eval.consensus, **MANAGERS_READ),
    "evaluation.ranking": Admin(lambda w: w.call_results.ranking, **MANAGERS_READ),
    "evaluation.redressrequest": Admin(lambda w: w.redress, **MANAGERS_READ),
    "evaluation.review": Admin(lambda w: w.review, **MANAGERS_READ),
    "payments.grantagreement": Admin(lambda w: w.agreement, **MONEY_READ),
    "payments.paymentbatch": Admin(lambda w: w.batch, **MONEY_READ),
    # A call with applications cannot be deleted, not even by a superuser.
    "calls.opencall": Admin(
        lambda w: w.call_eval, **EUROCLUSTER_ROWS,
        delete="staff_a finance_b superuser 403; manager_b 302; * login",
        post_delete="staff_a finance_b superuser 403; manager_b 302; * login"),
    # Only a superuser adds or deletes a Eurocluster (protected here: it has calls).
    "euroclusters.eurocluster": Admin(
        lambda w: w.eurocluster,
        **{**EUROCLUSTER_ROWS, "add": ADMIN_SUPERUSER, "delete": ADMIN_SUPERUSER,
           "post_delete": ADMIN_SUPERUSER}),
    # A manager takes a person off the team (the observer's membership here).
    "euroclusters.membership": Admin(
        lambda w: w.user("observer").memberships.get(), **EUROCLUSTER_ROWS,
        delete="manager superuser 200; finance observer finance_b 403; manager_b 302; * login",
        post_delete="manager superuser 302+; finance observer finance_b 403; manager_b 302; "
                    "* login"),
}
