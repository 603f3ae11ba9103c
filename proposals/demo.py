"""Turkish demo proposals: versions, co-authors, amendments, a discussion, co-signatures.

``seed_proposals`` is called by ``seed_demo`` with its people, assembly and working groups
(keys ``konut``, ``su``, ``bellek``). Writes go through the services, so the demo follows
the same rules as everyone; only the moderation example is written as rows, because it
needs a facilitator of a session that may not exist yet when this runs.
"""

from __future__ import annotations

from typing import Any

from assembly.models import Assembly, User
from proposals import services
from proposals.models import Comment, ModerationEvent, Proposal

WATER_TITLE = "Su kesintilerine karşı mahalle dayanışma protokolü"
EVICTION_TITLE = "Tahliye tehdidi altındaki hanelere destek protokolü"
ARCHIVE_TITLE = "Mahalle söyleşileri için ortak arşiv ilkeleri"

WATER_V1 = (
    "Planlı ya da plansız su kesintisi 24 saati geçtiğinde mahalle temsilcileri "
    "İZSU'ya ortak dilekçe verir.\n\n"
    "Yaşlı ve hasta hemşerilere su taşıma listesi açılır."
)
WATER_V2 = (
    "Planlı ya da plansız su kesintisi 24 saati geçtiğinde mahalle temsilcileri "
    "İZSU'ya ortak dilekçe verir.\n\n"
    "Yaşlı ve hasta hemşerilere su taşıma listesi açılır. Listeyi Suya Erişim çalışma "
    "grubu tutar; her mahalleden bir gönüllü listenin güncel kalmasından sorumludur.\n\n"
    "Kesinti bitince grup, neler yaşandığını bir sonraki genel mecliste anlatır."
)
WATER_AMENDMENT = WATER_V2.replace("24 saati geçtiğinde", "12 saati geçtiğinde")

EVICTION_V1 = (
    "Tahliye tebligatı alan her haneye 48 saat içinde iki gönüllü ve bir avukat eşlik eder.\n\n"
    "Hane onay verirse durum meclise bildirilir."
)
EVICTION_V2 = (
    "Tahliye tebligatı alan her haneye 48 saat içinde iki gönüllü ve bir avukat eşlik eder.\n\n"
    "Gönüllüler haneyle birlikte haklarını anlatan kısa bir not hazırlar; not Türkçe ve "
    "hanenin istediği başka bir dilde yazılır.\n\n"
    "Hane onay verirse durum meclise bildirilir."
)
EVICTION_AMENDMENT_ACCEPTED = EVICTION_V2.replace(
    "Hane onay verirse durum meclise bildirilir.",
    "Hane onay verirse durum meclise bildirilir; hanenin adı ve adresi tutanağa yazılmaz.",
)
EVICTION_AMENDMENT_DECLINED = EVICTION_V2.replace("48 saat", "24 saat")

ARCHIVE_V1 = (
    "Kent Belleği çalışma grubu mahalle söyleşilerini kaydederken şu ilkelere uyar:\n\n"
    "- Kayıt, konuşanın açık izniyle yapılır; izin her an geri alınabilir.\n"
    "- Kayıtlar merkezin kendi sunucusunda tutulur, üçüncü taraf hizmetlere yüklenmez.\n\n"
    "Söyleşiler herkese açık yayımlanmadan önce konuşana dinletilir."
)

GARDEN_TITLE = "Kent bostanlarında ortak kullanım kuralları"
GARDEN_V1 = (
    "Mahalle bostanları herkese açıktır; her parsel bir haneye ya da bir gruba bir yıllığına "
    "verilir.\n\n"
    "Ortak aletler bostan dolabında durur; kullanan temizleyip yerine koyar.\n\n"
    "Bostanda ilaç ve yapay gübre kullanılmaz."
)
GARDEN_V2 = (
    "Mahalle bostanları herkese açıktır; her parsel bir haneye ya da bir gruba bir yıllığına "
    "verilir.\n\n"
    "Ortak aletler bostan dolabında durur; kullanan temizleyip yerine koyar.\n\n"
    "Sulama sabah 9'dan önce ya da akşam 6'dan sonra yapılır. Su kesintisi olan günlerde "
    "önce yaşlı hemşerilerin parselleri sulanır.\n\n"
    "Bostanda ilaç ve yapay gübre kullanılmaz."
)


def seed_proposals(
    users: dict[str, User], assembly: Assembly, groups: dict[str, Any]
) -> dict[str, Proposal]:
    """Create the demo proposals; returns them as ``{"water", "eviction", "archive",
    "garden"}`` (``seed_demo`` takes the garden one through its whole decision).

    A proposal of the same title already in the assembly is returned as it is (so calling
    this after ``seed_demo`` made its own proposals adds only the missing ones).
    """
    existing = {p.title: p for p in Proposal.objects.filter(assembly=assembly)}
    made = {
        "water": existing.get(WATER_TITLE) or _water(users, assembly, groups),
        "eviction": existing.get(EVICTION_TITLE) or _eviction(users, assembly),
        "archive": existing.get(ARCHIVE_TITLE) or _archive(users, assembly, groups),
        "garden": existing.get(GARDEN_TITLE) or _garden(users, assembly),
    }
    for proposal in made.values():
        proposal.refresh_from_db()
    return made


def _water(users: dict[str, User], assembly: Assembly, groups: dict[str, Any]) -> Proposal:
    """Owned by the Suya Erişim group; in discussion, an open amendment, a lively thread."""
    mehmet, hasan, elif_ = users["mehmet"], users["hasan"], users["elif"]
    proposal = services.create_proposal(
        mehmet, assembly=assembly, title=WATER_TITLE, text=WATER_V1, working_group=groups.get("su")
    )
    services.change_state(mehmet, proposal.pk, "open_discussion")
    concern = services.add_comment(
        hasan,
        proposal.pk,
        kind="concern",
        body="Su taşıma listesini kimin tutacağı belli değil.",
        anchor={"version": 1, "paragraph": 1},
    )
    services.add_comment(
        mehmet,
        proposal.pk,
        kind="idea",
        body="Haklısınız. Listeyi grubumuz tutsun, her mahalleden bir gönüllü olsun.",
        parent=concern.pk,
    )
    services.create_version(
        elif_, proposal.pk, text=WATER_V2, note="Listeyi kimin tutacağı eklendi."
    )
    services.add_comment(
        users["ibrahim"],
        proposal.pk,
        kind="question",
        body="Karşıyaka'daki kesintiler 24 saatten kısa sürüyor ama sık oluyor. "
        "Bu durumda ne yapacağız?",
    )
    amendment = services.propose_amendment(
        users["zeynep"],
        proposal.pk,
        base_version=2,
        text=WATER_AMENDMENT,
        rationale="Yaşlılar için 24 saat çok uzun. 12 saatte harekete geçelim.",
        paragraph=0,
    )
    services.add_comment(
        users["sevgi"],
        proposal.pk,
        kind="support",
        body="12 saat bence de daha gerçekçi.",
        amendment_id=amendment.pk,
    )
    return proposal


def _eviction(users: dict[str, User], assembly: Assembly) -> Proposal:
    """Two co-authors, an accepted and a declined amendment, a moderated comment."""
    ayse, fatma = users["ayse"], users["fatma"]
    proposal = services.create_proposal(
        ayse, assembly=assembly, title=EVICTION_TITLE, text=EVICTION_V1
    )
    services.invite_coauthor(ayse, proposal.pk, fatma.pk)
    services.respond_to_invitation(fatma, proposal.pk, accept=True)
    services.create_version(
        fatma, proposal.pk, text=EVICTION_V2, note="Haklar notu ve dil seçeneği eklendi."
    )
    services.change_state(ayse, proposal.pk, "open_discussion")
    accepted = services.propose_amendment(
        users["deniz"],
        proposal.pk,
        base_version=2,
        text=EVICTION_AMENDMENT_ACCEPTED,
        rationale="Hanelerin kişisel bilgileri tutanakta yer almamalı.",
        paragraph=2,
    )
    services.accept_amendment(fatma, accepted.pk)
    declined = services.propose_amendment(
        users["oguz"],
        proposal.pk,
        base_version=2,
        text=EVICTION_AMENDMENT_DECLINED,
        rationale="Tebligattan sonra ilk gün çok önemli.",
    )
    services.decline_amendment(
        ayse,
        declined.pk,
        reason="Gönüllü sayımız 24 saate yetmiyor. Önce gönüllü ağını büyütelim.",
    )
    services.add_comment(
        users["mustafa"],
        proposal.pk,
        kind="process",
        body="Bu öneriyi Konut Hakkı grubu da konuşsun, sonra meclise gelsin.",
    )
    hidden = services.add_comment(
        users["oguz"],
        proposal.pk,
        kind="idea",
        body="Bayraklı'daki haneyle ben konuştum, numaraları 0555 000 00 00.",
    )
    # Moderation without punishment: hidden with a reason, answered, edited, restored.
    _moderate(hidden, ayse, users["oguz"])
    for username in ("zeynep", "gul", "deniz"):
        services.cosign(users[username], proposal.pk)
    return proposal


def _moderate(comment: Comment, facilitator: User, author: User) -> None:
    reason = "Hanenin telefon numarası paylaşılmış. Numarayı çıkarırsanız yeniden gösterilir."
    Comment.objects.filter(pk=comment.pk).update(
        moderation=Comment.Moderation.HIDDEN, hidden_reason=reason
    )
    ModerationEvent.objects.create(
        comment=comment, actor=facilitator, action=ModerationEvent.Action.HIDDEN, note=reason
    )
    ModerationEvent.objects.create(
        comment=comment,
        actor=author,
        action=ModerationEvent.Action.ANSWERED,
        note="Haklısınız, dikkat etmemişim.",
    )
    services.edit_comment(
        author, comment.pk, body="Bayraklı'daki haneyle ben konuştum, destek istiyorlar."
    )
    services.moderate(author, comment.pk, "request_restore", note="Numarayı çıkardım.")
    Comment.objects.filter(pk=comment.pk).update(
        moderation=Comment.Moderation.VISIBLE, hidden_reason=""
    )
    ModerationEvent.objects.create(
        comment=comment, actor=facilitator, action=ModerationEvent.Action.RESTORED
    )


def _archive(users: dict[str, User], assembly: Assembly, groups: dict[str, Any]) -> Proposal:
    """The Kent Belleği group's principles: co-signed, ready for the next session."""
    zeynep = users["zeynep"]
    proposal = services.create_proposal(
        zeynep,
        assembly=assembly,
        title=ARCHIVE_TITLE,
        text=ARCHIVE_V1,
        working_group=groups.get("bellek"),
    )
    services.change_state(zeynep, proposal.pk, "open_discussion")
    services.add_comment(
        users["deniz"],
        proposal.pk,
        kind="question",
        body="Konuşan kişi sonradan kaydın silinmesini isterse ne olacak?",
        anchor={"version": 1, "paragraph": 1},
    )
    services.add_comment(
        users["gul"],
        proposal.pk,
        kind="support",
        body="Bu ilkeler söyleşi dizisine güven verir.",
    )
    for username in ("ayse", "mehmet", "deniz", "mustafa"):
        services.cosign(users[username], proposal.pk)
    return proposal


def _garden(users: dict[str, User], assembly: Assembly) -> Proposal:
    """Gül's proposal, in discussion and co-signed: ``seed_demo`` brings it to a decision."""
    gul = users["gul"]
    draft = services.create_proposal(gul, assembly=assembly, title=GARDEN_TITLE, text=GARDEN_V1)
    proposal = services.change_state(gul, draft.pk, "open_discussion")
    for username in ("zeynep", "fatma", "deniz"):
        services.cosign(users[username], proposal.pk)
    return proposal
