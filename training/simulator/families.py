"""The hidden occupation-family structure that drives occupational fit.

Twenty-four latent families group ISCO-08 unit groups of the kinds of work that are
realistic for a Participatiewet caseload (mostly ISCO major groups 4-9, some 3 and 5).
Families overlap in *super-groups* (work that asks similar things of a person); the
affinity between two families is high within a super-group, higher still for a few
hand-picked bridges (warehouse and shop, kitchen and food production ...), and low
elsewhere, with a small seeded jitter so each world is slightly different.

None of this is exported: a ranker only sees ESCO occupations and Dutch texts, which
reveal a candidate's family noisily. ``truth/families.csv`` holds it for analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matching.records.enums import Demand

H, S, N, T, C, Z, HO, O, F, I = (
    Demand.HEAVY_LIFTING,
    Demand.LONG_STANDING,
    Demand.NIGHT_SHIFTS,
    Demand.TIME_PRESSURE,
    Demand.CUSTOMER_CONTACT,
    Demand.NOISE,
    Demand.HEIGHTS,
    Demand.COLD_OR_OUTDOOR,
    Demand.FINE_MOTOR,
    Demand.COMPLEX_INSTRUCTIONS,
)


@dataclass(frozen=True)
class Family:
    """One latent occupation family (hidden from every exported record)."""

    code: str
    label: str
    isco_groups: tuple[str, ...]  # ISCO-08 unit groups (4 digits)
    supergroups: tuple[str, ...]
    candidate_weight: float  # how common this is as a candidate's true preference
    male_logodds: float  # shift of the preference for men (women get the opposite half)
    higher_logodds: float  # shift for HBO/WO-educated candidates
    low_logodds: float  # shift for candidates without a starting qualification
    demands: dict[Demand, float] = field(default_factory=dict)  # chance a work need has it
    core_labels: tuple[str, ...] = ()  # common occupations, drawn more often


FAMILIES: tuple[Family, ...] = (
    Family("F01", "magazijn en logistiek", ("4321", "8344", "9321", "9333", "9334"),
           ("productie_logistiek",), 0.11, 0.5, -0.8, 0.4,
           {H: 0.7, S: 0.6, T: 0.55, N: 0.2, O: 0.15, Z: 0.25, I: 0.15},
           ("magazijnmedewerker", "orderpicker", "heftruckchauffeur", "schappenvuller",
            "inpakker met de hand", "expeditiemedewerker", "pakhuismedewerker",
            "voorraadadministrateur")),
    Family("F02", "vervoer en bezorging", ("4412", "8321", "8322", "8331", "8332", "9331", "9510"),
           ("productie_logistiek",), 0.05, 1.2, -0.6, 0.2,
           {H: 0.4, T: 0.6, C: 0.5, O: 0.3, N: 0.15, I: 0.15},
           ("vrachtwagenchauffeur", "auto- en bestelwagenkoerier", "buschauffeur",
            "taxichauffeur", "postbode", "folderbezorger", "patiëntenvervoerder")),
    Family("F03", "schoonmaak en huishoudelijke dienst",
           ("5152", "8157", "9111", "9112", "9121", "9122", "9123", "9129"),
           ("facilitair",), 0.09, -0.4, -1.0, 0.5,
           {S: 0.6, T: 0.35, H: 0.25, N: 0.15, I: 0.05, C: 0.15},
           ("schoonmaker gebouwen", "interieurverzorger", "medewerker huishoudelijke dienst",
            "glazenwasser", "wasserijmedewerker", "medewerker linnenkamer")),
    Family("F04", "voedselproductie", ("7511", "7512", "7513", "8160", "8183"),
           ("productie_logistiek", "voeding_horeca"), 0.05, 0.2, -0.8, 0.3,
           {S: 0.7, T: 0.6, O: 0.35, N: 0.35, Z: 0.4, H: 0.3, F: 0.2},
           ("bakker", "slager", "vleessnijder",
            "medewerker aan de lopende band voor inblikken en bottelen",
            "procesoperator verpakkings- en vulmachine", "operator vleesbereiding")),
    Family("F05", "keuken en maaltijden", ("3434", "5120", "5246", "9411", "9412"),
           ("voeding_horeca",), 0.06, 0.1, -0.5, 0.3,
           {S: 0.8, T: 0.7, Z: 0.3, N: 0.1, H: 0.2, C: 0.1},
           ("kok", "keukenhulp", "medewerker keuken", "medewerker fastfood", "pizzaiolo",
            "medewerker maaltijden")),
    Family("F06", "bediening en gastvrijheid", ("4221", "4224", "4229", "5131", "5132"),
           ("voeding_horeca", "dienstverlening"), 0.04, -0.2, -0.2, 0.0,
           {C: 0.95, S: 0.7, T: 0.55, N: 0.2},
           ("ober/serveerster", "barman/barvrouw", "barista", "gastheer/gastvrouw",
            "horecavestigingsreceptionist")),
    Family("F07", "winkel en verkoop",
           ("5211", "5221", "5222", "5223", "5230", "5242", "5245", "5249", "9520"),
           ("dienstverlening",), 0.08, -0.3, -0.3, 0.1,
           {C: 0.9, S: 0.7, T: 0.3, H: 0.25, I: 0.1},
           ("winkelmedewerker", "kassamedewerker", "verkoopmedewerker tankstation",
            "verhuurmedewerker", "promotiemedewerker", "marktverkoper")),
    Family("F08", "klantcontact en receptie",
           ("4214", "4222", "4223", "4225", "4226", "4227", "5244"),
           ("dienstverlening", "kantoor"), 0.04, -0.3, 0.7, -0.6,
           {C: 0.95, T: 0.5, I: 0.45, F: 0.05},
           ("medewerker klantencontactcentrum", "callcentermedewerker", "receptionist",
            "telefonist", "vertegenwoordiger klantenservice", "chatmedewerker")),
    Family("F09", "administratie",
           ("3313", "3343", "4110", "4120", "4131", "4132", "4311", "4312", "4313", "4411",
            "4415", "4416"),
           ("kantoor",), 0.06, -0.4, 1.0, -0.9,
           {I: 0.6, T: 0.3, F: 0.1, C: 0.2},
           ("administratief medewerker", "kantoorbediende", "datatypist", "facturist",
            "archiefmedewerker", "bibliotheekmedewerker", "assistent-boekhouder")),
    Family("F10", "bouw: ruwbouw en infra", ("7112", "7114", "7115", "7119", "9312", "9313"),
           ("techniek",), 0.04, 1.5, -0.8, 0.4,
           {H: 0.85, O: 0.85, HO: 0.5, Z: 0.6, S: 0.4, T: 0.3},
           ("opperman bouw", "metselaar", "timmerman", "steigerbouwer", "wegwerker",
            "vakman grond-, weg- en waterbouw", "keukenmonteur")),
    Family("F11", "afbouw en afwerking",
           ("7121", "7122", "7123", "7124", "7125", "7131", "7132", "7133"),
           ("techniek",), 0.03, 1.2, -0.6, 0.2,
           {H: 0.45, HO: 0.5, S: 0.5, O: 0.4, F: 0.3, Z: 0.2},
           ("schilder bouw", "stukadoor", "tegelzetter", "dakdekker", "isoleerder", "behanger",
            "gevelreiniger")),
    Family("F12", "installatietechniek en elektro",
           ("7126", "7127", "7411", "7412", "7413", "7421", "7422", "9622"),
           ("techniek",), 0.03, 1.4, 0.0, -0.2,
           {HO: 0.4, F: 0.5, I: 0.5, H: 0.3, O: 0.3},
           ("monteur elektrische installaties", "monteur zonnepanelen", "badkamermonteur",
            "verwarmingsmonteur", "klusser", "computerreparateur",
            "reparateur huishoudelijke toestellen")),
    Family("F13", "metaalbewerking",
           ("7212", "7213", "7214", "7222", "7223", "7224", "8121", "8122"),
           ("techniek", "productie_logistiek"), 0.03, 1.5, -0.5, 0.1,
           {Z: 0.8, H: 0.5, F: 0.4, I: 0.4, S: 0.5, T: 0.3},
           ("lasser", "metaalplaatwerker", "operator CNC-machine", "monteur staalconstructies",
            "metaalpolijster", "slotenmaker", "draaier")),
    Family("F14", "onderhoud en reparatie", ("7231", "7233", "7234", "8341"),
           ("techniek",), 0.03, 1.4, -0.4, 0.0,
           {H: 0.4, F: 0.4, Z: 0.35, I: 0.35, S: 0.3},
           ("automonteur", "assistent-automonteur", "bandenmonteur", "fietsenmaker",
            "monteur industriële machines", "technicus landbouwmachines")),
    Family("F15", "productie en machinebediening",
           ("7523", "7543", "8141", "8142", "8143", "8171", "8172", "8181", "8189", "9329"),
           ("productie_logistiek",), 0.06, 0.5, -0.7, 0.4,
           {S: 0.75, T: 0.5, N: 0.45, Z: 0.6, H: 0.35, I: 0.2},
           ("productiemedewerker", "operator spuitgietmachine", "machineoperator papierwaren",
            "palletmaker", "operator houtbewerkingsmachine meubelen",
            "assemblagemedewerker karton")),
    Family("F16", "assemblage en montagewerk", ("8212", "8219"),
           ("productie_logistiek", "techniek"), 0.03, 0.4, -0.5, 0.2,
           {F: 0.75, S: 0.4, T: 0.45, I: 0.35},
           ("assemblagemedewerker elektrische apparatuur", "assemblagemedewerker metaal",
            "assemblagemedewerker hout", "assemblagemedewerker meubelen", "fietsenbouwer",
            "assemblagemedewerker kunststof")),
    Family("F17", "groen, tuin en dieren",
           ("5164", "6113", "9211", "9212", "9213", "9214", "9215"),
           ("facilitair",), 0.04, 0.6, -0.3, 0.2,
           {O: 0.9, H: 0.5, S: 0.4, T: 0.2},
           ("hovenier", "medewerker groenvoorziening/medewerkster groenvoorziening",
            "tuinbouwmedewerker", "tuinier", "plukker", "dierenverzorger",
            "medewerker dierverzorging")),
    Family("F18", "zorg, welzijn en kinderopvang",
           ("3222", "3412", "5162", "5311", "5312", "5321", "5322", "5329"),
           ("zorg_mensen",), 0.07, -1.3, 0.6, -0.3,
           {C: 0.85, S: 0.5, N: 0.25, H: 0.35, T: 0.35, I: 0.3},
           ("zorghulp", "thuiszorgmedewerker", "verpleeghulp", "medewerker kinderdagverblijf",
            "onderwijsassistent", "woonbegeleider", "gezelschapspersoon")),
    Family("F19", "persoonlijke verzorging", ("5141", "5142"),
           ("dienstverlening", "zorg_mensen"), 0.02, -1.6, -0.2, 0.0,
           {C: 0.95, S: 0.7, F: 0.6},
           ("kapper", "kappershulp", "schoonheidsspecialist", "pedicure",
            "medewerker schoonheidssalon", "manicure")),
    Family("F20", "beveiliging en toezicht", ("5153", "5414", "5419", "9621"),
           ("facilitair",), 0.03, 1.0, -0.3, 0.1,
           {N: 0.65, C: 0.7, S: 0.5, O: 0.4, T: 0.2, I: 0.3},
           ("beveiliger", "portier", "bedrijfsbewaker", "verkeersbrigadier", "parkeercontroleur",
            "evenementenbeveiliger", "conciërge", "handhaver toezicht en veiligheid")),
    Family("F21", "afval, recycling en buitendienst", ("7544", "9611", "9612", "9613", "9623"),
           ("facilitair",), 0.02, 1.0, -0.8, 0.4,
           {O: 0.85, H: 0.6, S: 0.5, Z: 0.4},
           ("vuilnisophaler", "afvalsorteerder", "recyclingmedewerker", "straatveger",
            "meteropnemer gas, water, elektriciteit", "medewerker onkruidbestrijding")),
    Family("F22", "commercie en zakelijke dienstverlening",
           ("3312", "3315", "3321", "3322", "3323", "3332", "3334", "3341", "3353"),
           ("kantoor",), 0.02, 0.0, 2.0, -1.6,
           {I: 0.75, T: 0.5, C: 0.6},
           ("inkoper", "commercieel vertegenwoordiger", "schadebehandelaar", "office manager",
            "medewerker sociale zekerheid", "medewerker evenementenorganisatie")),
    Family("F23", "technisch specialist", ("3112", "3113", "3115", "3118", "3119", "3122",
                                           "3123", "3511", "3512", "3513"),
           ("techniek",), 0.02, 1.2, 2.0, -1.6,
           {I: 0.85, T: 0.5, C: 0.3},
           ("technicus koel-, lucht- en verwarmingstechniek", "elektrotechnicus", "CAD-tekenaar",
            "bouwopzichter", "productieleider", "ICT-technicus", "medewerker helpdesk")),
    Family("F24", "sport, recreatie en evenementen", ("3422", "3423", "5113", "9629"),
           ("dienstverlening", "zorg_mensen"), 0.02, 0.1, 0.3, -0.2,
           {C: 0.85, S: 0.6, O: 0.35, T: 0.3},
           ("sportinstructeur", "medewerker fitness", "recreatiebegeleider",
            "sport- en bewegingsleider", "attractiemedewerker",
            "medewerker recreatieactiviteiten")),
)

FAMILY_CODES: tuple[str, ...] = tuple(f.code for f in FAMILIES)
N_FAMILIES = len(FAMILIES)

#: Pairs of families that are closer than their super-groups alone say.
BRIDGES: dict[tuple[str, str], float] = {
    ("F01", "F07"): 0.35,  # warehouse and shop floor
    ("F01", "F21"): 0.30,
    ("F02", "F21"): 0.30,
    ("F02", "F14"): 0.30,
    ("F03", "F05"): 0.30,
    ("F03", "F18"): 0.30,
    ("F04", "F05"): 0.50,  # food production and kitchen
    ("F08", "F20"): 0.25,
    ("F09", "F22"): 0.50,
    ("F10", "F21"): 0.25,
    ("F12", "F23"): 0.45,
    ("F13", "F15"): 0.35,
    ("F13", "F16"): 0.45,
    ("F17", "F21"): 0.40,
}

BASE_AFFINITY = 0.06
SUPERGROUP_AFFINITY = 0.42
JITTER_SD = 0.04


def affinity_matrix(rng: np.random.Generator) -> np.ndarray:
    """Symmetric family-to-family affinity in [0, 1] with ones on the diagonal."""
    n = N_FAMILIES
    base = np.full((n, n), BASE_AFFINITY)
    for i, a in enumerate(FAMILIES):
        for j, b in enumerate(FAMILIES):
            shared = len(set(a.supergroups) & set(b.supergroups))
            if shared:
                base[i, j] = SUPERGROUP_AFFINITY + 0.1 * (shared - 1)
    for (a_code, b_code), value in sorted(BRIDGES.items()):
        i, j = FAMILY_CODES.index(a_code), FAMILY_CODES.index(b_code)
        base[i, j] = base[j, i] = max(base[i, j], value)
    jitter = rng.normal(0.0, JITTER_SD, size=(n, n))
    jitter = np.triu(jitter, 1)
    jitter = jitter + jitter.T
    out = np.clip(base + jitter, 0.02, 0.85)
    np.fill_diagonal(out, 1.0)
    return out


def family_index(code: str) -> int:
    return FAMILY_CODES.index(code)
