"""Dutch building blocks of employer names and work-need texts.

A relationship manager writes a work need down after a visit, often for work that is
not a vacancy yet ("we zoeken iemand die ons magazijn op orde houdt"). Placeholders:
``{emp}`` employer name, ``{town}``, ``{kind}`` kind of business, ``{label}`` an
occupation label, ``{latent}`` a "iemand die ..." clause, ``{place}`` a workplace,
``{t1}``.. tasks, ``{hmin}``/``{hmax}`` hours.
"""

from __future__ import annotations

from matching.records.enums import ContractForm, Demand, SbiSection

# ---- employer names -------------------------------------------------------------------------

BUSINESS_KINDS: dict[SbiSection, tuple[str, ...]] = {
    SbiSection.A: ("Kwekerij", "Boomkwekerij", "Zorgboerderij", "Tuinderij", "Champignonkwekerij"),
    SbiSection.C: ("Metaalbewerking", "Kunststoffen", "Verpakkingen", "Bakkerij", "Meubelmakerij",
                   "Machinefabriek", "Drukkerij", "Vleeswaren", "Staalbouw", "Textielfabriek"),
    SbiSection.E: ("Afvalservice", "Recycling", "Kringloopbedrijf", "Milieuservice"),
    SbiSection.F: ("Bouwbedrijf", "Schildersbedrijf", "Installatiebedrijf", "Aannemersbedrijf",
                   "Dakdekkersbedrijf", "Stukadoorsbedrijf", "Bestratingen", "Timmerbedrijf"),
    SbiSection.G: ("Supermarkt", "Groothandel", "Bouwmarkt", "Autobedrijf", "Fietsenwinkel",
                   "Tuincentrum", "Kledingwinkel", "Woonwinkel", "Webwinkel", "Drogisterij"),
    SbiSection.H: ("Transport", "Logistiek", "Koeriersdienst", "Taxibedrijf", "Expeditie",
                   "Distributiecentrum"),
    SbiSection.I: ("Hotel", "Restaurant", "Brasserie", "Lunchroom", "Eetcafé", "Partycentrum",
                   "Cateringbedrijf", "Grand Café", "Snackbar"),
    SbiSection.M: ("Adviesbureau", "Administratiekantoor", "Ingenieursbureau",
                   "Accountantskantoor", "Architectenbureau", "Communicatiebureau"),
    SbiSection.N: ("Schoonmaakbedrijf", "Beveiligingsbedrijf", "Uitzendbureau",
                   "Facilitair Bedrijf", "Klantcontactcentrum", "Groenonderhoud", "Verhuurbedrijf"),
    SbiSection.O: ("Stadsbeheer", "Gemeentewerken", "Waterschapskantoor", "Stadswinkel"),
    SbiSection.P: ("Basisschool", "Scholengemeenschap", "Brede School", "Opleidingscentrum"),
    SbiSection.Q: ("Zorgcentrum", "Thuiszorg", "Verpleeghuis", "Kinderopvang", "Dagbesteding",
                   "Woonzorgcentrum"),
    SbiSection.R: ("Sportcentrum", "Zwembad", "Poppodium", "Bowlingcentrum", "Recreatiepark",
                   "Klimhal"),
    SbiSection.S: ("Kapsalon", "Schoonheidssalon", "Wasserette", "Stomerij", "Fitnesscentrum",
                   "Hondenpension"),
}

SURNAMES: tuple[str, ...] = (
    "Van den Berg", "De Jong", "Verhoeven", "Van Gils", "Van der Heijden", "Kuijpers", "Jansen",
    "Smits", "Van Loon", "Brouwers", "De Wit", "Pijnenburg", "Van Dongen", "Schellekens",
    "Van Iersel", "Bogers", "Van Riel", "Vermeulen", "Van de Ven", "Hendriks", "Bax", "Mutsaers",
    "Van Beek", "Swinkels", "Denissen", "Van Hest", "Ozturk", "Yilmaz", "El Idrissi", "Nowak",
    "Van Rooij", "Maas", "Kolen", "De Bruijn", "Panken", "Van Esch",
)

PLACE_WORDS: tuple[str, ...] = (
    "De Reeshof", "Noord", "Piushaven", "De Spoorzone", "Midden-Brabant", "De Kempen",
    "Het Wilhelminapark", "De Pont", "Hart van Brabant", "De Blaak", "Stappegoor", "De Heikant",
)

FANCY_NAMES: tuple[str, ...] = (
    "De Gouden Leeuw", "Het Zonnetje", "De Vlijt", "De Hoop", "Samen Sterk", "De Zwaan",
    "De Drie Linden", "Het Groene Woud", "De Werkplaats", "Het Anker", "De Schakel",
    "De Eik", "Brabants Bont", "De Linde", "Het Kompas", "De Korenbloem", "Twee Handen",
)

NAME_PATTERNS: tuple[str, ...] = (
    "{kind} {surname}",
    "{surname} {kind}",
    "{kind} {place}",
    "{kind} {fancy}",
    "{surname} & Zn.",
    "{surname} {kind} B.V.",
    "{fancy}",
)

SIZE_WORDS: dict[str, tuple[str, ...]] = {
    "0-9": ("met een handvol medewerkers", "met een klein team", "met zo'n vijf mensen"),
    "10-49": ("met zo'n twintig medewerkers", "met ongeveer dertig mensen in dienst",
              "met een vast team van rond de vijfentwintig mensen"),
    "50-249": ("met ruim honderd medewerkers", "met zo'n tachtig mensen in dienst"),
    "250+": ("met honderden medewerkers", "met meerdere vestigingen en ruim 300 medewerkers"),
}

# ---- work-need titles -----------------------------------------------------------------------

TITLE_PATTERNS: tuple[str, ...] = (
    "{Label}",
    "{Label}",
    "{Label} (m/v)",
    "{Label} gezocht",
    "Allround {label}",
    "Medewerker {place_noun}",
    "Extra handen voor {place}",
    "Hulp in {place}",
)

TITLE_BY_CONTRACT: dict[ContractForm, tuple[str, ...]] = {
    ContractForm.REGULAR: ("{Label}",),
    ContractForm.WEP: ("Werkervaringsplaats {label}", "Werkervaringsplek {place_noun}"),
    ContractForm.TRIAL: ("Proefplaatsing {label}",),
    ContractForm.WORK_LEARNING: ("Leerwerkplek {label}", "Leerbaan {label}"),
}

# ---- work-need descriptions -----------------------------------------------------------------

OPENERS_LATENT: tuple[str, ...] = (
    "Bij {emp} in {town} zoeken we iemand die {latent}.",
    "Geen vacature, wel werk: we zoeken iemand die {latent}.",
    "Op dit moment blijft er werk liggen. We zoeken iemand die {latent}.",
    "Sinds we gegroeid zijn, hebben we iemand nodig die {latent}.",
    "Tijdens het bedrijfsbezoek kwam naar voren dat we iemand kunnen gebruiken die {latent}.",
    "We zijn op zoek naar iemand die {latent}.",
    "Wat ons enorm zou helpen: iemand die {latent}.",
    "{emp} is een {kind_low} in {town} {size}. We kunnen iemand gebruiken die {latent}.",
)

OPENERS_LABEL: tuple[str, ...] = (
    "Wij zijn een {kind_low} in {town} {size} en zoeken een {label}.",
    "Voor {place} zoeken we een {label}.",
    "We hebben een plek voor een {label}.",
    "{emp} zoekt een {label} voor de vestiging in {town}.",
    "In {place} kunnen we extra handen gebruiken: we zoeken een {label}.",
    "Voor ons team in {town} zoeken we een enthousiaste {label}.",
)

TASK_FRAMES: tuple[str, ...] = (
    "Je gaat onder meer {t1}, {t2} en {t3}.",
    "Het werk bestaat uit {t1} en {t2}.",
    "Denk aan {t1} of {t2}.",
    "Taken: {t1}, {t2}.",
    "Je bent vooral bezig met {t1}.",
    "Een gewone dag: eerst {t1}, daarna {t2}.",
    "Je helpt bij {t1} en {t2}.",
    "Werkzaamheden zijn onder andere {t1}, {t2} en {t3}.",
)

ESCO_FRAMES: tuple[str, ...] = (
    "{sentence}",
    "Over het beroep: {sentence}",
    "Ter info (beroepsomschrijving): {sentence}",
)

TEAM_SENTENCES: tuple[str, ...] = (
    "Je werkt in een klein team met vaste collega's.",
    "Een vaste collega werkt je in.",
    "We hebben ervaring met mensen die lang thuis hebben gezeten.",
    "De sfeer is informeel en we helpen elkaar.",
    "We zijn een familiebedrijf: iedereen kent elkaar.",
    "Je krijgt een buddy voor de eerste weken.",
    "We werken met duidelijke werkinstructies, ook met foto's.",
    "Er is ruimte om rustig te beginnen.",
    "Het is een groot bedrijf met goede begeleiding en doorgroeimogelijkheden.",
    "We hebben al eerder iemand via de gemeente aangenomen en dat beviel goed.",
    "De koffie staat altijd klaar.",
    "Je werkt veel zelfstandig, maar er is altijd iemand om het aan te vragen.",
    "Onze leidinggevende neemt de tijd om dingen uit te leggen.",
    "We zijn een hecht team met veel verschillende nationaliteiten.",
)

JOB_COACH_SENTENCES: tuple[str, ...] = (
    "Er is een jobcoach beschikbaar als dat nodig is.",
    "We werken graag samen met een jobcoach van de gemeente.",
    "Begeleiding op de werkvloer is geregeld.",
)

HOURS_FRAMES: tuple[str, ...] = (
    "Het gaat om {hmin} tot {hmax} uur per week.",
    "Uren: {hmin}-{hmax} per week, in overleg.",
    "We denken aan ongeveer {hmax} uur per week.",
    "Werktijden in overleg, tussen {hmin} en {hmax} uur.",
)

SCHEDULE_DAY: tuple[str, ...] = (
    "Overdag, van maandag tot en met vrijdag.",
    "Vooral ochtenden.",
    "Ook af en toe op zaterdag.",
    "Tijden zijn in overleg, ook onder schooltijden.",
)
SCHEDULE_SHIFT: tuple[str, ...] = (
    "We werken in ploegendienst, ook 's nachts.",
    "Het werk is in wisselende diensten, inclusief nachten.",
)

CONTRACT_SENTENCES: dict[ContractForm, tuple[str, ...]] = {
    ContractForm.REGULAR: (
        "Bij goed functioneren volgt een contract.",
        "We bieden een contract voor zes maanden met uitzicht op meer.",
        "Het gaat om een gewone baan met loon volgens de cao.",
        "Loonkostensubsidie is bespreekbaar.",
    ),
    ContractForm.WEP: (
        "We beginnen graag met een werkervaringsplaats met behoud van uitkering.",
        "Eerst een werkervaringsplaats van drie maanden, daarna kijken we samen verder.",
        "Een werkervaringsplaats is een mooie manier om te wennen aan het ritme.",
    ),
    ContractForm.TRIAL: (
        "We starten met een proefplaatsing van twee maanden.",
        "Eerst een proefplaatsing, zodat we elkaar kunnen leren kennen.",
    ),
    ContractForm.WORK_LEARNING: (
        "Je leert het vak in de praktijk en gaat een dag per week naar school.",
        "Het is een leerwerkplek: werken en leren tegelijk, met een diploma als doel.",
    ),
}

# ---- requirements ---------------------------------------------------------------------------

DEMAND_SENTENCES: dict[Demand, tuple[str, ...]] = {
    Demand.HEAVY_LIFTING: ("Je kunt tillen, soms tot 25 kilo.", "Het werk is lichamelijk zwaar."),
    Demand.LONG_STANDING: ("Je staat het grootste deel van de dag.",
                           "Je bent de hele dag op de been."),
    Demand.NIGHT_SHIFTS: ("Je kunt ook 's nachts werken.", "Nachtdiensten horen erbij."),
    Demand.TIME_PRESSURE: ("Je kunt tegen drukte.", "Op piekmomenten moet het snel."),
    Demand.CUSTOMER_CONTACT: ("Je hebt veel contact met klanten.",
                              "Je staat klanten en bezoekers vriendelijk te woord."),
    Demand.NOISE: ("Het kan lawaaiig zijn; gehoorbescherming is er.",
                   "Er draaien machines, het is er niet stil."),
    Demand.HEIGHTS: ("Je werkt soms op hoogte, op ladders of steigers.",
                     "Hoogtevrees is lastig in dit werk."),
    Demand.COLD_OR_OUTDOOR: ("Je werkt buiten, ook als het regent.",
                             "Je werkt deels in de kou."),
    Demand.FINE_MOTOR: ("Het werk vraagt precisie met je handen.",
                        "Je werkt met kleine onderdelen."),
    Demand.COMPLEX_INSTRUCTIONS: ("Je pikt werkinstructies en systemen snel op.",
                                  "Je werkt met de computer en verschillende systemen."),
}

ADAPTABLE_FRAMES: tuple[str, ...] = (
    "Over {demand} kunnen we afspraken maken.",
    "{Demand} kan eventueel worden aangepast.",
    "Als {demand} een probleem is, zoeken we samen een oplossing.",
)

LANGUAGE_SENTENCES: dict[str, tuple[str, ...]] = {
    "none": ("Nederlands spreken is geen eis, als je maar instructies begrijpt.",
             "Taal is geen probleem; we werken veel met voordoen."),
    "basic": ("Je begrijpt eenvoudige Nederlandse instructies.",
              "Een beetje Nederlands is genoeg om te beginnen."),
    "b1": ("Je spreekt en begrijpt Nederlands op B1-niveau.",
           "Je kunt je in het Nederlands goed verstaanbaar maken."),
    "b2": ("Goede beheersing van de Nederlandse taal (B2) is nodig.",
           "Je spreekt en schrijft goed Nederlands."),
}

EXPERIENCE_SENTENCES: dict[int, tuple[str, ...]] = {
    1: ("Ervaring is niet nodig, motivatie wel.", "Je hoeft geen diploma te hebben.",
        "We leren je alles op de werkvloer."),
    2: ("Ervaring is mooi meegenomen, maar niet verplicht.",
        "Een relevant mbo-diploma is een pré.", "Je hebt enige ervaring in dit werk."),
    3: ("Je hebt een mbo-4-diploma of vergelijkbare ervaring.",
        "Een afgeronde opleiding op mbo-4- of hbo-niveau is nodig.",
        "Je hebt een paar jaar ervaring in een vergelijkbare functie."),
}

EXTRA_REQUIREMENTS: dict[str, tuple[str, ...]] = {
    "F02": ("Rijbewijs B is nodig.", "Je hebt een rijbewijs (C of bereid het te halen)."),
    "F10": ("Een VCA-diploma is een pré; je kunt het bij ons halen.",
            "Veiligheidsschoenen en werkkleding krijg je van ons."),
    "F11": ("Een VCA-diploma is een pré; je kunt het bij ons halen.",),
    "F12": ("Een VCA-diploma is een pré; je kunt het bij ons halen.",),
    "F01": ("Een heftruckcertificaat is handig, maar dat kun je bij ons halen.",
            "Veiligheidsschoenen krijg je van ons."),
    "F04": ("Je houdt je aan de hygiëneregels (HACCP).",),
    "F18": ("Een VOG (verklaring omtrent het gedrag) is verplicht.",),
    "F20": ("Je hebt een VOG en bent bereid het diploma Beveiliger 2 te halen.",),
}
