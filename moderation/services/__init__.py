"""Enterprise self-service: change requests, claims, invitations and reminders.

Every function is a service (keyword-only arguments, ``actor`` first, atomic,
e-mail sent on commit) and raises ``ValidationError`` for bad input (with field
errors where a field is at fault) and ``PermissionDenied`` when the actor may not act.

Change requests
    ``change_request_submit(*, actor, enterprise, changes) -> ChangeRequest | None``
        ``changes`` maps a field to its proposed value, API-style JSON (strings,
        numbers, booleans, lists, ``null``); keys are the profile fields of
        ``enterprises.forms.CHANGE_KEYS``: the model fields in
        ``PROFILE_MODEL_FIELDS``, ``certifications`` (a list of ``{"scheme",
        "certificate_no", "valid_from", "valid_until"}``), ``logo`` (an uploaded
        image, or ``""``/``None`` to remove it), ``photos_add`` (uploaded images) and
        ``photos_remove`` (photo ids). Any other key (``published``,
        ``uscc_check_override``, ``field_sources``…) is refused with a
        ValidationError and nothing changes. Values are validated with
        ``EnterpriseProfileForm`` against the current profile. Low-risk fields
        (``LOW_RISK_FIELDS``) publish at once (origin SELF_SERVICE); the others go
        into the enterprise's one open change request, created or updated (a field
        proposed again replaces its pending value; a field set back to its published
        value is withdrawn). Returns the change request the submission was recorded
        in (open, or closed at once when only low-risk fields changed), or None
        when nothing changed. Staff submissions are change requests too.
    ``change_request_decide(*, actor, change_request, decisions) -> None``
        Staff only. ``decisions`` maps pending fields to ``(accept, comment)``; a
        rejection needs a comment. Accepted fields publish (origin CHANGE_REQUEST,
        reference ``change-request:<id>``). Nobody may decide a change they proposed.
        The proposers are e-mailed the outcome of each field. Fields not decided
        stay pending; the request closes when none is left.

History
    ``profile_publish(*, actor, enterprise, values, origin, reason, reference)``
        Publishes values of profile fields, including the ones
        ``enterprises.services.enterprise_update`` does not handle (logo,
        certifications, photos), as one ``ChangeRecord``.
    ``history_revert(*, actor, record, reason) -> ChangeRecord | None``
        Staff only: ``change_record_revert``, extended to those fields.

Claims
    ``claim_submit(*, actor, enterprise, relationship, uscc, contact_name,
    contact_phone, contact_email, proof) -> Claim``
        ``proof`` is an uploaded PDF/JPG/PNG (checked by content, ≤ 5 MB). One
        pending claim per person and enterprise; the USCC must match the one on
        record (when there is one).
    ``claim_decide(*, actor, claim, approve, reason) -> Claim``
        Staff only; approving makes the person a member (owner if the enterprise
        has none, editor otherwise); denying needs a reason. The person is e-mailed.
    ``claim_revoke(*, actor, claim, reason) -> Claim``
        Staff only, for an approved claim: ends the membership; e-mails the person.

Invitations
    ``invitation_create(*, actor, enterprise, email, role, site_url)
    -> tuple[Invitation, str]``
        Staff only. Returns the invitation and its one-time token; e-mails the link
        ``site_url + /invitations/<token>/`` (valid ``INVITATION_DAYS`` days).
    ``invitation_for_token(token) -> Invitation | None``: a usable invitation.
    ``invitation_accept(*, actor, invitation) -> EnterpriseMembership``
        Links the (signed-in or newly created) user to the enterprise, once.

Confirmation
    ``enterprise_confirm(*, actor, enterprise)``: the profile is still correct.
    ``stale_enterprises(*, today)``: profiles not confirmed for 12 months.
    ``confirmation_reminders_send(*, today, site_url) -> int``: once per cycle
        (from 1 July each year, after the 30 June annual-report deadline) e-mail
        every member of a stale profile, recording whom; returns how many.
"""
