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
from proposals.demo import seed_proposals
from proposals.models import Proposal
from voting.domain import parse_policy
from voting.models import Alternative, Decision, Round, Stance
from voting.services import (
    cast_stance,
    close_due_round,
    create_decision,
    open_round,
    record_decision,
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


def _user(username: str, name: str) -> User:
    first, _sep, last = name.partition(" ")
    user = User(username=username, display_name=name, first_name=first, last_name=last)
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user
