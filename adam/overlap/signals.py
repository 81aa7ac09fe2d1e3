"""The explainable signals of a pair and their score: each says in words what it found and what it gave."""
from __future__ import annotations

from dataclasses import dataclass

from adam.messages import N_, Amount, Listing, Message, Percent
from adam.overlap.config import DEFAULT_CONFIG, LABEL_DUPLICATE, LABEL_POSSIBLE, OverlapConfig
from adam.overlap.features import MAX_DAY, MIN_DAY, ProjectFeatures
from adam.overlap.text import same_language
from adam.project_vocabulary import ACTIVITY_TYPES


@dataclass(frozen=True, slots=True)
class OverlapSignal:
    name: str
    explanation: str
    points: int


class EvidenceNames(dict):
    """Organisation id -> name, for the evidence; and the names of themes and pillars by id, so that the evidence
    says which subjects two projects share ("Same themes: Border control, Precursor control.")."""

    def __init__(self, organisations=(), themes: dict[int, str] | None = None,  # noqa: ANN001
                 pillars: dict[int, str] | None = None) -> None:
        super().__init__(organisations)
        self.themes = dict(themes or {})
        self.pillars = dict(pillars or {})

    def __eq__(self, other: object) -> bool:  # a report computed with other names is not reused
        if not isinstance(other, dict):
            return NotImplemented
        return (dict.__eq__(self, other) and getattr(other, "themes", {}) == self.themes
                and getattr(other, "pillars", {}) == self.pillars)

    def __ne__(self, other: object) -> bool:  # dict's own __ne__ would ignore the subjects
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # type: ignore[assignment]


def _shared_subjects(ids: frozenset[int], catalogue: dict[int, str], named_one: str, named_many: str,
                     counted_one: str, counted_many: str) -> Message:
    """Shared themes or pillars in words: by name when every one is known, otherwise counted."""
    if all(i in catalogue for i in ids):
        return Message(named_one if len(ids) == 1 else named_many, names=Listing(sorted(catalogue[i] for i in ids)))
    return Message(counted_one if len(ids) == 1 else counted_many, count=len(ids))


@dataclass(slots=True)
class PairScore:
    score: int
    label: str | None  # None: not flagged
    signals: list[OverlapSignal]
    wide_scope: bool


def _ramp(value: float, floor: float, full: float) -> float:
    if value <= floor:
        return 0.0
    return min(1.0, (value - floor) / (full - floor))


def _months(days: int) -> float:
    return days / 30.44


def dates_overlap(a: ProjectFeatures, b: ProjectFeatures, cfg: OverlapConfig = DEFAULT_CONFIG) -> bool:
    a0, a1 = a.interval(cfg.undated_years)
    b0, b1 = b.interval(cfg.undated_years)
    return a0 < b1 and b0 < a1


def places_meet(a: ProjectFeatures, b: ProjectFeatures) -> bool:
    return a.wide or b.wide or bool(a.places & b.places)


def has_evidence(a: ProjectFeatures, b: ProjectFeatures, title_cos: float, text_cos: float,
                 cfg: OverlapConfig = DEFAULT_CONFIG) -> bool:
    """Evidence beyond place, time and subject; without it a pair cannot reach the threshold."""
    return (title_cos >= cfg.text_floor or text_cos >= cfg.text_floor
            or bool(a.institutions & b.institutions) or partner_link(a, b) > 0
            or bool(a.funders & b.funders and a.implementers & b.implementers) or stated_link(a, b))


def partner_link(a: ProjectFeatures, b: ProjectFeatures) -> int:
    """2: each record names the organisation that registered the other; 1: one does; 0: neither."""
    if a.owner == b.owner:
        return 0
    return (int(a.owner is not None and a.owner in (b.funders | b.implementers))
            + int(b.owner is not None and b.owner in (a.funders | a.implementers)))


def same_publisher(a: ProjectFeatures, b: ProjectFeatures) -> bool:
    """Both are IATI activities of one reporting organisation with different identifiers."""
    return (a.owner is not None and a.owner == b.owner and bool(a.iati_identifier) and bool(b.iati_identifier)
            and a.iati_identifier != b.iati_identifier)


def title_organisation(a: ProjectFeatures, b: ProjectFeatures) -> frozenset[int]:
    """Organisations whose name is the title of one record and that the other record names (as registrant,
    donor or implementer): "World Vision Afghanistan" and a grant World Vision Afghanistan carries out."""
    found = set()
    if a.title_organisation is not None and a.title_organisation in b.organisations:
        found.add(a.title_organisation)
    if b.title_organisation is not None and b.title_organisation in a.organisations:
        found.add(b.title_organisation)
    return frozenset(found)


def same_amount(a: ProjectFeatures, b: ProjectFeatures, cfg: OverlapConfig = DEFAULT_CONFIG) -> bool:
    """Both budgets known and within cfg.same_amount_ratio of each other."""
    if not (a.budget_usd and b.budget_usd):
        return False
    low, high = sorted((a.budget_usd, b.budget_usd))
    return high > 0 and low / high >= cfg.same_amount_ratio


def stated_link(a: ProjectFeatures, b: ProjectFeatures) -> bool:
    return bool((b.iati_identifier and b.iati_identifier in a.related)
                or (a.iati_identifier and a.iati_identifier in b.related))


def is_candidate(a: ProjectFeatures, b: ProjectFeatures, title_cos: float, text_cos: float,
                 cfg: OverlapConfig = DEFAULT_CONFIG) -> bool:
    """The candidate rule: places meet, dates intersect, and there is evidence (or a stated link)."""
    if stated_link(a, b):
        return True
    return places_meet(a, b) and dates_overlap(a, b, cfg) and has_evidence(a, b, title_cos, text_cos, cfg)


def score_pair(a: ProjectFeatures, b: ProjectFeatures, title_cos: float, text_cos: float,
               cfg: OverlapConfig = DEFAULT_CONFIG, names: dict[int, str] | None = None) -> PairScore:
    """Score a candidate pair from 0 to 100 with its signals. title_cos/text_cos are TF-IDF cosines."""
    p = cfg.points
    names = names if names is not None else {}  # an EvidenceNames without organisations still names subjects
    signals: list[OverlapSignal] = []

    def add(name: str, points: float, explanation: str) -> None:  # positive signals only
        if points > 0:
            signals.append(OverlapSignal(name, explanation, int(round(round(points, 6)))))  # as vector._pts

    def named(ids) -> str:
        shown = sorted(names.get(i, f"organisation #{i}") for i in ids)
        if len(shown) > 4:
            return Message("%(names)s and %(count)s more", names=", ".join(shown[:4]), count=len(shown) - 4)
        return ", ".join(shown)

    linked = stated_link(a, b)
    if linked:
        add("stated_link", p["stated_link"],
            N_("One record names the other as a related or linked activity (IATI identifier)."))

    # Place
    wide = a.wide or b.wide
    shared_countries = a.countries & b.countries
    if shared_countries:
        add("shared_country", p["shared_country"],
            Message("Both work in the same recipient country (%(count)s country in common).", count=1)
            if len(shared_countries) == 1 else
            Message("Both work in the same recipient countries (%(count)s countries in common).", count=len(shared_countries)))
    elif a.places & b.places:
        add("place_via_region", p["place_via_region"], N_("One covers a region that includes the other's country."))
    elif wide:
        add("place_via_region", p["place_via_region"],
            N_("One is a global or multi-country programme without a named country, which may include the other."))

    # Time
    a0, a1 = a.interval(cfg.undated_years)
    b0, b1 = b.interval(cfg.undated_years)
    overlap = min(a1, b1) - max(a0, b0)
    if overlap > 0:
        finite = [x1 - x0 for x0, x1 in ((a0, a1), (b0, b1)) if x0 > MIN_DAY and x1 < MAX_DAY]
        if finite:
            shorter = min(finite)
            share = min(1.0, overlap / shorter) if shorter > 0 else 1.0
            add("time_overlap", p["time_overlap"] * share,
                Message("They run at the same time for about %(months)s months, %(share)s of the shorter project.",
                        months=f"{_months(min(overlap, shorter)):.0f}", share=Percent(share)))
        else:
            add("time_overlap", p["time_overlap"] * 0.5,
                N_("Their periods intersect (at least one is open-ended or has no dates)."))
    tolerance = cfg.date_tolerance_days
    if a.starts_on and b.starts_on and abs((a.starts_on - b.starts_on).days) <= tolerance:
        add("same_start", p["same_start"], Message("They start within %(days)s days of each other.", days=tolerance))
    if a.ends_on and b.ends_on and abs((a.ends_on - b.ends_on).days) <= tolerance:
        add("same_end", p["same_end"], Message("They end within %(days)s days of each other.", days=tolerance))

    # Subject
    pillars, themes = a.pillars & b.pillars, a.themes & b.themes
    if pillars:
        add("shared_pillar", p["shared_pillar"], _shared_subjects(
            pillars, getattr(names, "pillars", {}),
            N_("Same pillar of the Vienna Declaration: %(names)s."), N_("Same pillars of the Vienna Declaration: %(names)s."),
            N_("Same pillar of the Vienna Declaration (%(count)s pillar in common)."),
            N_("Same pillar of the Vienna Declaration (%(count)s pillars in common).")))
    if themes:
        add("shared_theme", p["shared_theme"], _shared_subjects(
            themes, getattr(names, "themes", {}), N_("Same theme: %(names)s."), N_("Same themes: %(names)s."),
            N_("Same themes (%(count)s theme in common)."), N_("Same themes (%(count)s themes in common).")))
    shared_sectors = a.sectors & b.sectors
    if shared_sectors:
        add("shared_sector", p["shared_sector"], Message("Same DAC sectors (%(sectors)s).", sectors=", ".join(sorted(shared_sectors)[:5])))

    institutions = a.institutions & b.institutions
    if institutions:
        add("shared_institution", p["shared_institution"],
            Message("Same beneficiary institution: %(names)s.", names=named(institutions)))
    if institutions and themes and overlap > 0:
        add("institution_theme_time", p["institution_theme_time"],
            Message("The same institution (%(names)s) is assisted on the same theme in the same months.",
                    names=named(institutions)))
    if a.activity_type and a.activity_type == b.activity_type:
        # by its label, which the web layer translates ("training" is "Training", "Formation" in French)
        kind = Message(ACTIVITY_TYPES.get(a.activity_type, a.activity_type))
        add("same_activity_type", p["same_activity_type"], Message("Same kind of activity (%(activity)s).", activity=kind))

    # Organisations
    if a.funders & b.funders:
        add("same_donor", p["same_donor"], Message("Same donor: %(names)s.", names=named(a.funders & b.funders)))
    if a.implementers & b.implementers:
        add("same_implementer", p["same_implementer"],
            Message("Same implementing organisation: %(names)s.", names=named(a.implementers & b.implementers)))
    if a.owner is not None and a.owner == b.owner:
        if same_publisher(a, b) and p["same_publisher"]:
            signals.append(OverlapSignal(
                "same_publisher", N_("Both are IATI activities published by the same organisation under different "
                                     "identifiers: the publisher states they are distinct activities (components, "
                                     "phases or country lines of one programme), not one project entered twice."),
                int(round(p["same_publisher"]))))
        elif p["same_registrant"]:
            signals.append(OverlapSignal(
                "same_registrant", N_("Both records were registered by the same organisation, which usually keeps one "
                                      "record per project: alike records of one organisation are mostly parts of one programme."),
                int(round(p["same_registrant"]))))
    link = partner_link(a, b)
    if link == 2:
        add("partner_chain", p["partner_chain"],
            Message("Each record names the organisation that registered the other (%(names)s): "
                    "typical of one project entered once by the donor and once by the implementing agency.",
                    names=named({a.owner, b.owner})))
    elif link == 1:
        add("partner_one_way", p["partner_one_way"],
            Message("One record names the organisation that registered the other (%(names)s).", names=named({a.owner, b.owner})))
    titled = title_organisation(a, b) if link else frozenset()
    if titled:
        add("title_organisation", p["title_organisation"],
            Message("The title of one record is the name of an organisation the other record names (%(names)s): "
                    "typically that organisation's own programme, which the other project is part of.",
                    names=named(titled)))

    # Text (by default whatever the stated languages: the cosine of texts in two languages is low by itself)
    if cfg.text_across_languages or same_language(a.language, b.language):
        # TF-IDF cosine of the words (the same figure the vectorised report scores with)
        ratio = title_cos
        if ratio >= cfg.text_floor:
            add("title_similarity", p["title_similarity"] * _ramp(ratio, cfg.text_floor, cfg.text_full),
                Message("Titles are %(share)s similar.", share=Percent(ratio)))
        if text_cos >= cfg.text_floor:
            add("text_similarity", p["text_similarity"] * _ramp(text_cos, cfg.text_floor, cfg.text_full),
                Message("Summaries and descriptions are %(share)s similar.", share=Percent(text_cos)))

    if a.budget_usd and b.budget_usd:
        low, high = sorted((a.budget_usd, b.budget_usd))
        if high > 0 and low / high >= cfg.budget_ratio:
            add("similar_budget", p["similar_budget"], Message("Their budgets are within %(share)s of each other.",
                                                                   share=Percent(1 - cfg.budget_ratio)))
        if link and same_amount(a, b, cfg):
            add("partner_amount", p["partner_amount"],
                Message("The same amount (USD %(amount)s, within %(share)s) in the records of two organisations that "
                        "name each other: typically a grant as the funder and the implementer record it.",
                        amount=Amount(high), share=Percent(1 - cfg.same_amount_ratio)))
        if (link and high > 0 and low / high >= cfg.identical_amount_ratio and a.starts_on is not None
                and a.starts_on == b.starts_on and a.ends_on is not None and a.ends_on == b.ends_on):
            add("same_grant_terms", p["same_grant_terms"],
                N_("The same start and end days and the same amount, to a thousandth, in the records of two "
                   "organisations that name each other: one grant, as the funder and the implementer record it."))
    if (p["titles_name_other_countries"] and a.title_countries and b.title_countries
            and not a.title_countries & b.title_countries):
        signals.append(OverlapSignal(
            "titles_name_other_countries", N_("Each title names a country, and not the same one: typically two "
                                              "country lines of one programme, not one project entered twice."),
            int(round(p["titles_name_other_countries"]))))

    score = max(0, min(100, sum(s.points for s in signals)))
    # A wide-scope pair needs more, unless the same grant amount ties the records of two partners together.
    pinned = cfg.amount_pins_place and bool(link) and same_amount(a, b, cfg)
    threshold = cfg.possible_threshold + (cfg.wide_scope_extra if wide and not shared_countries and not pinned else 0)
    if linked:
        label = LABEL_DUPLICATE if score >= cfg.duplicate_threshold else LABEL_POSSIBLE
    elif score >= max(threshold, cfg.duplicate_threshold):
        label = LABEL_DUPLICATE
    elif score >= threshold:
        label = LABEL_POSSIBLE
    else:
        label = None
    signals.sort(key=lambda s: -s.points)
    return PairScore(score, label, signals, wide)
