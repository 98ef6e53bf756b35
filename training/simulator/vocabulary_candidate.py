"""Dutch building blocks of candidate texts (wishes, motivation, interests, strengths, help).

Texts are assembled from several sentence kinds, each with many variants, so no two
profiles read alike: ``{occ}`` is an occupation label, ``{sector}`` a field of work
("in de zorg"), ``{a}``/``{b}`` hobbies or qualities. Spelling and tone follow what a
client manager writes down after an intake, including short notes and first-person
quotes.
"""

from __future__ import annotations

# ---- wishes ---------------------------------------------------------------------------------

WISH_OCCUPATION: tuple[str, ...] = (
    "Ik zou graag als {occ} aan de slag gaan.",
    "Mijn wens is werk als {occ}.",
    "Wil graag {occ} worden.",
    "Het liefst werk ik als {occ}, daar heb ik al eens gewerkt.",
    "Ik heb interesse in werk als {occ}.",
    "Droombaan: {occ}.",
    "Zoekt werk als {occ} of iets vergelijkbaars.",
    "Ik denk aan {occ}, maar sta open voor andere dingen.",
    "Ik wil graag weer aan het werk als {occ}.",
    "Iets als {occ} lijkt me echt leuk.",
    "Heeft eerder als {occ} gewerkt en wil dat graag weer doen.",
    "Ik zou {occ} willen proberen.",
)

WISH_TWO_OCCUPATIONS: tuple[str, ...] = (
    "Ik zoek werk als {occ} of als {occ2}.",
    "{occ} of {occ2}, dat zou ik allebei leuk vinden.",
    "Denkt aan werk als {occ}, eventueel {occ2}.",
    "Het liefst {occ}, maar {occ2} is ook goed.",
)

WISH_SECTOR: tuple[str, ...] = (
    "Ik wil graag werken {sector}.",
    "Iets {sector} lijkt me leuk.",
    "Het liefst werk ik {sector}.",
    "Zou graag aan de slag gaan {sector}.",
    "Mijn voorkeur gaat uit naar werk {sector}.",
    "Ik heb altijd al iets {sector} willen doen.",
    "Wil graag ervaring opdoen {sector}.",
    "Werken {sector}, daar word ik blij van.",
    "Ik denk aan werk {sector}, want daar heb ik ervaring mee.",
    "Ziet zichzelf wel werken {sector}.",
)

WISH_VAGUE: tuple[str, ...] = (
    "Maakt me niet zoveel uit, als ik maar aan het werk ben.",
    "Ik weet nog niet precies wat ik wil.",
    "Alles is goed, ik wil gewoon weer werken.",
    "Geen duidelijke voorkeur, wil vooral structuur en collega's.",
    "Ik sta overal voor open.",
    "Iets met mijn handen, maar verder weet ik het nog niet.",
    "Wil graag ontdekken wat bij me past.",
    "Ik wil iets doen waar ik trots op kan zijn.",
    "Liefst iets rustigs, verder maakt het niet uit.",
    "Heeft nog geen concreet beeld van passend werk.",
    "Iets waar ik mensen kan helpen, maar wat precies weet ik niet.",
    "Als het maar geen kantoorwerk is.",
)

WISH_CONDITION: tuple[str, ...] = (
    "Het liefst dicht bij huis.",
    "Alleen overdag, want ik heb kinderen.",
    "Liever niet in het weekend.",
    "Het liefst in een klein team.",
    "Graag onder schooltijden.",
    "Ik wil eerst rustig beginnen met een paar uur.",
    "Het moet met de fiets te bereiken zijn.",
    "Ik wil graag een vast contract op termijn.",
    "Graag een baas die duidelijk is.",
    "Niet te ver reizen, ik heb geen auto.",
    "Ik werk het liefst met vaste collega's.",
    "Ploegendienst is geen probleem.",
    "Ik wil graag fulltime werken.",
    "Liefst een werkplek waar ik iets kan leren.",
    "Met een werkervaringsplaats beginnen vind ik prima.",
)

WISH_AMBITION: tuple[str, ...] = (
    "Later wil ik misschien een opleiding doen.",
    "Ik wil graag een diploma halen naast het werk.",
    "Op termijn wil ik doorgroeien.",
    "Over een paar jaar wil ik helemaal uit de uitkering zijn.",
    "Mijn doel is om weer zelf mijn geld te verdienen.",
    "Ik wil graag een certificaat halen, bijvoorbeeld VCA of een heftruckcertificaat.",
    "Ooit wil ik voor mezelf beginnen.",
    "Ik wil laten zien dat ik het kan.",
    "Ik wil mijn Nederlands verbeteren op het werk.",
    "Eerst een baan, dan zien we verder.",
)

# ---- motivation -----------------------------------------------------------------------------

MOTIVATION_REASON: tuple[str, ...] = (
    "ik wil weer structuur in mijn dag",
    "ik wil een voorbeeld zijn voor mijn kinderen",
    "ik wil uit de bijstand",
    "ik wil mijn eigen geld verdienen",
    "ik mis collega's en gezelligheid",
    "thuis zitten maakt me somber",
    "ik wil iets betekenen voor anderen",
    "ik wil mijn schulden afbetalen",
    "ik wil weer meedoen in de maatschappij",
    "ik wil laten zien wat ik kan",
    "ik wil mijn Nederlands oefenen",
    "ik wil een toekomst opbouwen in Nederland",
    "ik wil niet meer afhankelijk zijn van de gemeente",
    "ik wil weer het gevoel hebben dat ik nodig ben",
    "ik verveel me thuis",
    "mijn kinderen zijn nu groot genoeg",
    "ik wil sparen voor een rijbewijs",
    "ik heb zin in een nieuwe start",
)

MOTIVATION_HIGH: tuple[str, ...] = (
    "Ik wil heel graag aan het werk, liever vandaag dan morgen.",
    "Ik ben super gemotiveerd en kan direct beginnen.",
    "Zeer gemotiveerd, komt afspraken goed na.",
    "Ik ga ervoor, echt.",
    "Kandidaat is enthousiast en heeft zelf al gesolliciteerd.",
    "Ik wil alles doen om weer een baan te vinden.",
    "Was op tijd op het gesprek en had zelf vragen voorbereid.",
    "Doet al vrijwilligerswerk om ritme op te bouwen.",
    "Ik sta te springen om te beginnen.",
    "Heeft veel energie en wil graag laten zien wat hij of zij kan.",
)

MOTIVATION_MID: tuple[str, ...] = (
    "Ik wil wel werken, als het past bij mijn situatie.",
    "Redelijk gemotiveerd, wil eerst weten wat er mogelijk is.",
    "Ik wil het proberen.",
    "Staat open voor werk, maar twijfelt nog over de uren.",
    "Ik denk dat het goed voor me is om te werken.",
    "Wil graag, maar vindt het ook spannend.",
    "Ik ben bereid om te beginnen als het klikt.",
    "Heeft behoefte aan een duwtje in de rug.",
    "Ik wil wel, maar ik weet niet goed waar ik moet beginnen.",
    "Gemotiveerd, al is de energie wisselend.",
)

MOTIVATION_LOW: tuple[str, ...] = (
    "Ik weet niet of ik het al kan.",
    "Twijfelt of werk op dit moment haalbaar is.",
    "Ik heb veel aan mijn hoofd op dit moment.",
    "Komt afspraken niet altijd na.",
    "Ik vind het moeilijk om me voor te stellen dat ik weer werk.",
    "Heeft eerder teleurstellingen gehad bij werkgevers.",
    "Ik ga het proberen, maar ik beloof niks.",
    "Motivatie is nog wisselend.",
    "Zegt wel te willen, maar onderneemt weinig zelf.",
    "Ik ben bang dat het weer misgaat.",
)

MOTIVATION_REASON_FRAME: tuple[str, ...] = (
    "Ik wil werken, want {r}.",
    "Waarom werk? Nou, {r}.",
    "Belangrijkste reden: {r}.",
    "Geeft aan: {r}.",
    "Voor mij is werk belangrijk: {r}.",
    "Ik zoek werk, want {r}.",
    "Reden om te werken: {r}.",
)

MOTIVATION_PAST: tuple[str, ...] = (
    "Ik heb jaren gewerkt, maar door omstandigheden ben ik thuis komen te zitten.",
    "Na mijn scheiding is het even misgegaan.",
    "Ik heb een tijd voor mijn ouders gezorgd.",
    "Mijn laatste contract werd niet verlengd.",
    "Ik ben een paar jaar geleden naar Nederland gekomen.",
    "Na een lange ziekte ben ik klaar voor een nieuwe stap.",
    "Het bedrijf waar ik werkte ging failliet.",
    "Ik heb de opleiding niet afgemaakt, maar wel veel gewerkt via het uitzendbureau.",
    "Mijn kinderen gaan nu naar school, dus ik heb tijd.",
    "Ik heb vrijwilligerswerk gedaan bij de voedselbank.",
    "Ik heb eerder in de fabriek gewerkt, via een uitzendbureau.",
    "Door mijn rugklachten kon ik mijn oude werk niet meer doen.",
    "Ik heb in mijn thuisland ook gewerkt.",
    "Ik heb nog nooit een vaste baan gehad, wel losse klussen.",
)

# ---- interests ------------------------------------------------------------------------------

HOBBIES_GENERAL: tuple[str, ...] = (
    "voetbal", "wandelen", "fietsen", "koken", "muziek luisteren", "gitaar spelen", "gamen",
    "lezen", "tekenen", "fotografie", "zwemmen", "fitness", "dansen", "naaien", "haken",
    "puzzelen", "series kijken", "met mijn kinderen spelen", "vissen", "de hond uitlaten",
    "tuinieren", "klussen", "schaken", "kaarten met vrienden", "boksen", "hardlopen",
    "vrijwilligerswerk bij de voetbalclub", "vrijwilligerswerk bij de kerk of moskee",
    "koor zingen", "creatief bezig zijn", "sleutelen aan mijn scooter", "de kringloop afstruinen",
    "voor mijn familie koken", "naar de markt gaan", "films kijken", "mijn volkstuin", "yoga",
    "carnaval", "darten", "biljarten",
)

INTEREST_FRAMES: tuple[str, ...] = (
    "In mijn vrije tijd {a} en {b}.",
    "Hobby's: {a}, {b}.",
    "Ik houd van {a}.",
    "Ik ben graag bezig met {a}, en soms {b}.",
    "Vrije tijd: {a}.",
    "Houdt van {a} en {b}.",
    "Mijn hobby is {a}.",
    "Ik vind {a} heerlijk om te doen.",
    "{a}, {b} en af en toe iets met vrienden.",
    "Interesses: {a}.",
)

INTEREST_EXTRA: tuple[str, ...] = (
    "Ik ben ook actief in de buurt.",
    "Verder ben ik veel met mijn familie.",
    "Ik volg een taalcursus in de bibliotheek.",
    "Doet mee aan een wijkproject.",
    "Ik help buren weleens met klusjes.",
    "Ik zit in een wandelgroep.",
)

# ---- strengths ------------------------------------------------------------------------------

QUALITIES: tuple[str, ...] = (
    "betrouwbaar", "altijd op tijd", "een harde werker", "eerlijk", "vriendelijk", "rustig",
    "behulpzaam", "leergierig", "flexibel", "zorgvuldig", "positief", "geduldig",
    "nauwkeurig", "sociaal", "zelfstandig", "een doorzetter", "loyaal", "praktisch ingesteld",
    "een teamspeler", "handig", "creatief", "stressbestendig", "netjes", "vrolijk",
    "oplossingsgericht", "gastvrij", "sterk", "trouw", "snel van begrip", "humoristisch",
)

STRENGTH_FRAMES: tuple[str, ...] = (
    "Ik ben {a} en {b}.",
    "Mensen zeggen dat ik {a} ben.",
    "Sterke punten: {a}, {b}.",
    "Mijn vorige baas vond mij {a}.",
    "Kandidaat komt over als {a} en {b}.",
    "Wat mij typeert: {a} en {b}.",
    "Ik ben vooral {a}.",
    "Typeert zichzelf als {a}.",
    "Collega's vonden mij altijd {a}.",
    "Is {a}, dat zag je ook tijdens het gesprek.",
)

STRENGTH_EXAMPLES: tuple[str, ...] = (
    "Ik heb nooit ziek gemeld in mijn vorige baan.",
    "Ik leer snel door te kijken hoe anderen het doen.",
    "Ik kan goed samenwerken met mensen uit verschillende culturen.",
    "Ik spreek naast Nederlands ook Arabisch.",
    "Ik spreek Pools en een beetje Engels.",
    "Ik spreek Turks en Nederlands.",
    "Ik spreek Tigrinya en ben Nederlands aan het leren.",
    "Ik heb een VCA-diploma.",
    "Ik heb een heftruckcertificaat.",
    "Ik heb een rijbewijs B.",
    "Ik ben goed met computers.",
    "Ik hou van aanpakken en ik klaag niet.",
    "Ik kan lang doorwerken zonder pauze.",
    "Ik heb jaren een gezin met vijf kinderen draaiende gehouden.",
)

# ---- help needed ----------------------------------------------------------------------------

HELP_LANGUAGE: tuple[str, ...] = (
    "Taalles naast het werk.",
    "Hulp met de Nederlandse taal, vooral lezen en schrijven.",
    "Een collega die rustig uitlegt, mijn Nederlands is nog niet goed.",
    "Wil graag een taalmaatje.",
)
HELP_LIMITS: tuple[str, ...] = (
    "Begeleiding op de werkvloer, zeker in het begin.",
    "Een jobcoach die meekijkt.",
    "Aangepaste werkzaamheden vanwege lichamelijke klachten.",
    "Een werkgever die rekening houdt met mijn belastbaarheid.",
    "Rustige werkplek met duidelijke taken.",
    "Opbouw in uren, zodat ik kan wennen.",
)
HELP_PRACTICAL: tuple[str, ...] = (
    "Hulp bij het regelen van kinderopvang.",
    "Hulp bij vervoer, ik heb geen auto.",
    "Ondersteuning bij mijn schulden.",
    "Hulp met de papieren als ik ga werken, zoals toeslagen.",
    "Een fiets zou helpen.",
    "Hulp bij het halen van mijn rijbewijs.",
    "Uitleg over wat werken betekent voor mijn uitkering.",
    "Een cursus solliciteren of een goed cv.",
    "Werkkleding en schoenen.",
    "Iemand die met mij meegaat naar het eerste gesprek.",
)
HELP_NONE: tuple[str, ...] = (
    "Geen, ik wil gewoon beginnen.",
    "Eigenlijk niets, alleen een kans.",
    "Weet ik nog niet.",
    "Niet veel, een goede start is genoeg.",
)
HELP_FRAMES: tuple[str, ...] = (
    "{h}",
    "Wat ik nodig heb: {h}",
    "Ondersteuning gewenst: {h}",
    "Hulpvraag: {h}",
)
