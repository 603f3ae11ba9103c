"""Load the Turkish demo: İKHM Genel Meclisi, its working groups, members and sessions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from assembly.models import (
    AgendaItem,
    AgendaStatus,
    Assembly,
    Attendance,
    Hand,
    HandKind,
    Membership,
    Role,
    Session,
    SessionStatus,
    SessionTask,
    SpeakingTurn,
    Task,
    User,
    Visibility,
    WorkingGroup,
    WorkingGroupMembership,
)
from followup import services as followup_services
from followup.models import Commitment, Update
from proposals.demo import GARDEN_TITLE, GARDEN_V2, seed_proposals
from proposals.models import Proposal, Version
from voting.domain import parse_policy
from voting.models import Alternative, Decision, Round, Stance
from voting.services import (
    cast_stance,
    close_due_round,
    close_round,
    create_decision,
    open_round,
    record_decision,
    resolve_dissent,
)

DEMO_PASSWORD = "ortak-demo"  # noqa: S105 (printed for the demo, like the logins)

# username, display name, working groups
MEMBERS = [
    ("ayse", "Ayşe Yıldız", ["konut"]),
    ("mehmet", "Mehmet Çelik", ["su"]),
    ("zeynep", "Zeynep Aydın", ["bellek"]),
    ("hasan", "Hasan Öztürk", ["konut", "su"]),
    ("elif", "Elif Şahin", ["su"]),
    ("mustafa", "Mustafa Koç", ["konut"]),
    ("fatma", "Fatma Arslan", ["bellek", "konut"]),
    ("ibrahim", "İbrahim Doğan", ["su"]),
    ("gul", "Gül Kılıç", ["bellek"]),
    ("oguz", "Oğuz Kaplan", ["konut"]),
    ("sevgi", "Sevgi Işık", ["su", "bellek"]),
    ("deniz", "Deniz Güneş", []),
]
OBSERVER = ("izleyici", "Leyla Ünal")
OPERATOR = ("isletmeci", "Site işletmecisi")

GROUPS = {
    "konut": ("Konut Hakkı", "Tahliye ve kentsel dönüşüm tehdidi altındaki hemşerilerle çalışır."),
    "su": ("Suya Erişim", "Mahallelerdeki su kesintilerini izler, ortak yanıt örgütler."),
    "bellek": (
        "Kent Belleği",
        "Mahallelerin tarihini, tanıklıklarını ve mekânlarını kayda geçirir.",
    ),
}


class Command(BaseCommand):
    help = "Load the Turkish demo data (İKHM Genel Meclisi)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when an assembly already exists"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Assembly.objects.exists():
            self.stdout.write("The database has data already; the demo was not loaded.")
        elif Assembly.objects.filter(slug="ikhm").exists():
            self.stdout.write("The demo is already loaded.")
        else:
            seed()
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(
            f"Demo logins (password: {DEMO_PASSWORD}):\n"
            "  ayse      Ayşe Yıldız, facilitator of the live session\n"
            "  mehmet    Mehmet Çelik, note-taker\n"
            "  zeynep, hasan, elif, mustafa, fatma, ibrahim, gul, oguz, sevgi, deniz: members\n"
            "  izleyici  Leyla Ünal, observer\n"
            "  isletmeci site operator (Django admin at /admin/)"
        )


@transaction.atomic
def seed() -> None:
    now = timezone.now().replace(second=0, microsecond=0)
    assembly = Assembly.objects.create(
        name="İKHM Genel Meclisi",
        slug="ikhm",
        is_public=True,
        description=(
            "İzmir Kent Hakkı Merkezi'nin bütün üyelerinin birlikte karar verdiği meclis. "
            "Kararlarımızı uzlaşıyla alırız; oturumlarımız herkese açıktır."
        ),
        default_speaking_seconds=180,
    )
    users: dict[str, User] = {}
    for username, name, _groups in MEMBERS:
        users[username] = _user(username, name)
        Membership.objects.create(assembly=assembly, user=users[username], role=Role.MEMBER)
    observer = _user(*OBSERVER)
    Membership.objects.create(assembly=assembly, user=observer, role=Role.OBSERVER)
    operator = _user(*OPERATOR)
    operator.is_staff = operator.is_superuser = True
    operator.save(update_fields=["is_staff", "is_superuser"])

    groups = {}
    for key, (name, description) in GROUPS.items():
        groups[key] = WorkingGroup.objects.create(
            assembly=assembly, name=name, slug=key, description=description
        )
    for username, _name, keys in MEMBERS:
        for key in keys:
            WorkingGroupMembership.objects.create(group=groups[key], user=users[username])

    # Proposals with versions, amendments and a discussion, written through the services.
    proposals = seed_proposals(users, assembly, groups)
    water, eviction, archive = proposals["water"], proposals["eviction"], proposals["archive"]

    # A past session: facilitation history that the rotation looks at.
    past = Session.objects.create(
        assembly=assembly,
        title="Ekim Genel Meclisi",
        starts_at=now - timedelta(days=30),
        status=SessionStatus.CLOSED,
        visibility=Visibility.PUBLIC,
        created_by=users["hasan"],
    )
    SessionTask.objects.create(session=past, user=users["hasan"], task=Task.FACILITATOR)
    SessionTask.objects.create(session=past, user=users["fatma"], task=Task.NOTE_TAKER)
    AgendaItem.objects.create(
        session=past,
        position=1,
        title="Kentsel dönüşüm bilgilendirmesi",
        minutes_budget=30,
        status=AgendaStatus.DONE,
        minutes="Bayraklı'daki dönüşüm alanından üç hane bilgi istedi. Konut Hakkı grubu "
        "ziyaret takvimi çıkaracak.",
    )

    live = Session.objects.create(
        assembly=assembly,
        title="Kasım Genel Meclisi",
        starts_at=now - timedelta(minutes=20),
        status=SessionStatus.LIVE,
        visibility=Visibility.PUBLIC,
        video_url="https://meet.jit.si/ikhm-kasim-genel-meclisi",
        speaking_seconds=180,
        created_by=users["ayse"],
    )
    SessionTask.objects.create(session=live, user=users["ayse"], task=Task.FACILITATOR)
    SessionTask.objects.create(session=live, user=users["mehmet"], task=Task.NOTE_TAKER)
    items = [
        (
            "Açılış ve gündemin onayı",
            5,
            AgendaStatus.DONE,
            "Gündem itirazsız kabul edildi. Kolaylaştırıcı: Ayşe, not tutan: Mehmet.",
        ),
        (
            "Karşıyaka'daki su kesintileri",
            30,
            AgendaStatus.OPEN,
            "Elif: Üç gündür su yok, en çok yaşlı hemşeriler etkileniyor.",
        ),
        ("Tahliye destek protokolü", 40, AgendaStatus.PENDING, ""),
        ("Kent Belleği söyleşi dizisi", 15, AgendaStatus.PENDING, ""),
        ("Duyurular", 10, AgendaStatus.PENDING, ""),
    ]
    agenda = []
    for position, (title, budget, status, minutes) in enumerate(items, start=1):
        agenda.append(
            AgendaItem.objects.create(
                session=live,
                position=position,
                title=title,
                minutes_budget=budget,
                status=status,
                minutes=minutes,
                proposal={2: water, 3: eviction, 4: archive}.get(position),
                opened_at=now - timedelta(minutes=15) if status == AgendaStatus.OPEN else None,
            )
        )
    live.current_item = agenda[1]
    for username in ("ayse", "mehmet", "zeynep", "hasan", "elif", "fatma", "ibrahim", "sevgi"):
        Attendance.objects.create(
            session=live, member=users[username], checked_in_at=now - timedelta(minutes=18)
        )
    SpeakingTurn.objects.create(
        session=live,
        member=users["elif"],
        kind=HandKind.SPEAK,
        agenda_item=agenda[1],
        raised_at=now - timedelta(minutes=12),
        started_at=now - timedelta(minutes=9),
        ended_at=now - timedelta(minutes=6, seconds=30),
    )
    SpeakingTurn.objects.create(
        session=live,
        member=users["hasan"],
        kind=HandKind.SPEAK,
        agenda_item=agenda[1],
        raised_at=now - timedelta(minutes=7),
        started_at=now - timedelta(minutes=1),
    )
    live.timer_seconds = 180
    live.timer_ends_at = now + timedelta(minutes=2)
    for username, kind, minutes_ago in (
        ("zeynep", HandKind.QUESTION, 4),
        ("ibrahim", HandKind.SPEAK, 3),
        ("elif", HandKind.SPEAK, 2),
    ):
        Hand.objects.create(
            session=live,
            member=users[username],
            kind=kind,
            raised_at=now - timedelta(minutes=minutes_ago),
        )
    live.seq = 12
    live.save()

    _seed_decisions(users, assembly, past, live, groups["konut"], eviction, water, now)
    _seed_loop(users, assembly, proposals["garden"], groups["su"], now)

    upcoming = Session.objects.create(
        assembly=assembly,
        title="Aralık Genel Meclisi",
        starts_at=(now + timedelta(days=21)).replace(hour=16, minute=0),
        status=SessionStatus.SCHEDULED,
        visibility=Visibility.MEMBERS,
        speaking_seconds=180,
        created_by=users["zeynep"],
    )
    SessionTask.objects.create(session=upcoming, user=users["zeynep"], task=Task.FACILITATOR)
    for position, (title, budget) in enumerate(
        [("Açılış", 5), ("Kış dönemi çalışma planı", 45), ("Dayanışma fonu", 20)], start=1
    ):
        AgendaItem.objects.create(
            session=upcoming, position=position, title=title, minutes_budget=budget
        )


def _past_decision(
    facilitator: User,
    session: Session,
    *,
    title: str,
    text: str,
    method: str,
    stances: list[tuple[User, str, str]],
    statement: str,
    decided_at: Any,
    review_in_days: int | None = None,
    alternatives: tuple[tuple[str, str], ...] = (),
    rankings: list[tuple[User, list[str]]] | None = None,
) -> None:
    """A decision of an earlier session, taken and recorded, for the register."""
    decision = Decision.objects.create(
        assembly=session.assembly,
        session=session,
        title=title,
        text=text,
        method=method,
        policy=parse_policy({}).as_json(),
        status=Decision.Status.OPEN,
        created_by=facilitator,
    )
    for position, (alt_title, alt_text) in enumerate(alternatives, start=1):
        Alternative.objects.create(
            decision=decision,
            key=f"alt-{position}",
            title=alt_title,
            text=alt_text,
            position=position,
        )
    if alternatives:
        Alternative.objects.create(
            decision=decision,
            key="status_quo",
            title="Mevcut durum kalsın",
            position=len(alternatives) + 1,
        )
    opened = decided_at - timedelta(minutes=10)
    round_ = Round.objects.create(decision=decision, number=1, text=text, opened_at=opened)
    for member, option, reason in stances:
        Stance.objects.create(
            round=round_,
            member=member,
            option=option,
            reason=reason,
            cast_at=opened,
            updated_at=opened,
        )
    for member, ranking in rankings or []:
        Stance.objects.create(
            round=round_, member=member, ranking=ranking, cast_at=opened, updated_at=opened
        )
    close_due_round(round_, decision)
    Round.objects.filter(pk=round_.pk).update(closed_at=decided_at)
    record_decision(
        facilitator,
        decision.pk,
        statement=statement,
        review_at=(decided_at + timedelta(days=review_in_days)).date() if review_in_days else None,
    )


def _seed_decisions(
    users: dict[str, User],
    assembly: Assembly,
    past: Session,
    live: Session,
    housing: WorkingGroup,
    eviction: Proposal,
    water: Proposal,
    now: Any,
) -> None:
    decided = past.starts_at + timedelta(hours=1)
    present = ["hasan", "fatma", "ayse", "mehmet", "zeynep", "elif", "mustafa", "oguz"]
    for username in present:
        Attendance.objects.create(session=past, member=users[username], checked_in_at=decided)
    _past_decision(
        users["hasan"],
        past,
        title="Kentsel dönüşüm alanlarında hane ziyaretleri",
        text=(
            "Konut Hakkı çalışma grubu, Bayraklı ve Karabağlar'daki dönüşüm alanlarında bilgi "
            "isteyen hanelere iki hafta içinde ziyaret takvimi çıkarır. Ziyaretlere en az iki "
            "gönüllü katılır; haneden izin alınmadan fotoğraf çekilmez."
        ),
        method="consensus",
        stances=[
            (users["hasan"], "agree", ""),
            (users["fatma"], "agree", ""),
            (users["ayse"], "agree", ""),
            (users["mehmet"], "reservations", "Gönüllü sayımız iki haneye yetmeyebilir."),
            (users["zeynep"], "agree", ""),
            (
                users["elif"],
                "stand_aside",
                "Su kesintileri yüzünden bu ay ziyaretlere katılamayacağım.",
            ),
            (users["mustafa"], "agree", ""),
        ],
        statement=(
            "Dönüşüm alanlarındaki hanelere iki hafta içinde ziyaret takvimi çıkarılacak; "
            "ziyaretlere en az iki gönüllü katılacak."
        ),
        decided_at=decided,
        review_in_days=90,
    )
    _past_decision(
        users["hasan"],
        past,
        title="Genel meclis toplanma sıklığı",
        text="Genel meclisin ne sıklıkla toplanacağı.",
        method="ranked",
        alternatives=(
            ("Her ay toplanalım", ""),
            ("İki haftada bir toplanalım", ""),
        ),
        stances=[],
        rankings=[
            (users["hasan"], ["alt-1", "alt-2", "status_quo"]),
            (users["fatma"], ["alt-2", "alt-1"]),
            (users["ayse"], ["alt-1", "status_quo"]),
            (users["mehmet"], ["alt-1", "alt-2"]),
            (users["zeynep"], ["status_quo", "alt-1"]),
            (users["elif"], ["alt-2", "alt-1", "status_quo"]),
            (users["oguz"], ["alt-1"]),
        ],
        statement="Genel meclis her ay toplanır.",
        decided_at=decided + timedelta(minutes=30),
        review_in_days=20,  # so its review date has come: it is offered for the agenda
    )

    # A live decision on the agenda item now open: round 1 is open.
    decision = create_decision(
        users["ayse"],
        assembly=assembly,
        session=live,
        proposal=water,
        title=water.title,
        text=water.text,
        method="consent",
    )
    open_round(users["ayse"], decision.pk, seconds=None)
    cast_stance(users["mehmet"], decision.pk, option="consent")
    cast_stance(
        users["hasan"],
        decision.pk,
        option="concern",
        reason="Su taşıma listesini kimin tutacağı belli değil.",
    )
    cast_stance(users["zeynep"], decision.pk, option="consent")

    # An asynchronous decision of the housing working group, open for a week.
    slow = create_decision(
        users["ayse"],
        assembly=assembly,
        working_group=housing,
        proposal=eviction,
        title=eviction.title,
        text=eviction.text,
        method="consensus",
        policy={"quorum": "1/2"},
    )
    open_round(users["ayse"], slow.pk, closes_at=now + timedelta(days=7))
    cast_stance(users["fatma"], slow.pk, option="agree")


def _seed_loop(
    users: dict[str, User], assembly: Assembly, proposal: Proposal, water: WorkingGroup, now: Any
) -> None:
    """The whole cycle, through the services, as it happened in October: a proposal brought
    to a decision outside a session, an objection integrated into version 2, the second
    round adopting it, the record, and its commitments in every state."""
    gul, hasan = users["gul"], users["hasan"]
    decision = create_decision(
        gul,
        assembly=assembly,
        proposal=proposal,
        title=GARDEN_TITLE,
        method="consent",
        policy={"quorum": "1/3"},
    )
    open_round(gul, decision.pk, closes_at=now + timedelta(days=7))
    cast_stance(
        hasan,
        decision.pk,
        option="objection",
        reason="Sulama saatleri yazılmamış; yazın kesinti olan günlerde bostan kuruyor.",
    )
    for username in ("zeynep", "fatma", "sevgi"):
        cast_stance(users[username], decision.pk, option="consent")
    cast_stance(
        users["elif"], decision.pk, option="concern", reason="Dolabın anahtarı kimde duracak?"
    )
    first = close_round(gul, decision.pk)
    objection = Stance.objects.get(round=first, option="objection")
    resolve_dissent(
        gul,
        objection.pk,
        "integrated",
        note="Sulama saatleri ve kesinti günleri için bir paragraf eklendi.",
        new_text=GARDEN_V2,
    )
    open_round(gul, decision.pk, closes_at=now + timedelta(days=7))
    for username in ("hasan", "zeynep", "fatma", "sevgi", "elif", "gul"):
        cast_stance(users[username], decision.pk, option="consent")
    second = close_round(gul, decision.pk)
    # It happened in October: the rounds are dated as they were.
    october = now - timedelta(days=40)
    Round.objects.filter(pk=first.pk).update(
        opened_at=october, closed_at=october + timedelta(days=3)
    )
    Round.objects.filter(pk=second.pk).update(
        opened_at=october + timedelta(days=4), closed_at=october + timedelta(days=7)
    )
    Stance.objects.filter(round=first).update(cast_at=october, updated_at=october)
    Stance.objects.filter(round=second).update(
        cast_at=october + timedelta(days=4), updated_at=october + timedelta(days=4)
    )
    Version.objects.filter(proposal=proposal, number=1).update(
        created_at=october - timedelta(days=10)
    )
    Version.objects.filter(proposal=proposal, number=2).update(
        created_at=october + timedelta(days=3, hours=2)
    )
    record = record_decision(
        gul,
        decision.pk,
        statement=(
            "Kent bostanları, sulama saatleri eklenmiş kurallarla (2. sürüm) kullanılır. "
            "Bostan ekibi kuralları bostan girişine asar."
        ),
        review_at=(now + timedelta(days=150)).date(),
    )
    _seed_commitments(users, record, water, october + timedelta(days=8), now)


def _seed_commitments(
    users: dict[str, User], record: Any, water: WorkingGroup, start: Any, now: Any
) -> None:
    """The commitments of the garden decision: one in each state, one of them overdue."""
    today = timezone.localdate(now)
    rows = [
        # who adds it, title, due in days from today, carry, group, moves (status, note)
        (
            "gul",
            "Kuralları bostan girişine as",
            -20,
            True,
            None,
            [("in_progress", "Pano için tahta bulundu."), ("done", "Kurallar girişe asıldı.")],
        ),
        (
            "elif",
            "Bostan için kuyu suyu izni iste",
            -5,
            False,
            water,
            [("blocked", "Belediye randevu vermedi; yeniden yazacağız.")],
        ),
        (
            "fatma",
            "Komşu bostanlarla tohum takası düzenle",
            -3,
            True,
            None,
            [("in_progress", "İki bostan katılacağını söyledi.")],
        ),
        ("deniz", "Ortak alet dolabı için bağış topla", 14, True, None, []),
        (
            "sevgi",
            "Bostana çocuk oyun alanı kur",
            30,
            True,
            None,
            [("dropped", "Alan yetmedi; başka bir yerde konuşacağız.")],
        ),
    ]
    for offset, (username, title, due_in, carry, group, moves) in enumerate(rows):
        author = users[username]
        commitment = followup_services.add_commitment(
            author,
            record.pk,
            title=title,
            due=today + timedelta(days=due_in),
            carry=carry,
            working_group_id=group.pk if group else None,
        )
        for status, note in moves:
            followup_services.post_update(author, commitment.pk, status=status, note=note)
        when = start + timedelta(days=offset)
        Commitment.objects.filter(pk=commitment.pk).update(
            created_at=when, status_changed_at=when + timedelta(days=len(moves) * 5)
        )
        for step, update in enumerate(Update.objects.filter(commitment=commitment)):
            Update.objects.filter(pk=update.pk).update(at=when + timedelta(days=step * 5))


def _user(username: str, name: str) -> User:
    first, _sep, last = name.partition(" ")
    user = User(username=username, display_name=name, first_name=first, last_name=last)
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user
