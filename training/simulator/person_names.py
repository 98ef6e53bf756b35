"""Realistic Dutch names and contact details for simulated people.

Names are drawn from their own random stream (component ``person_names``),
so adding them changed no other simulated value. First names follow the
recorded gender where there is one; statushouders get names common among
people who came to the Netherlands from Syria, Eritrea, Afghanistan and
Turkey. Contact details use the reserved domain ``voorbeeld.nl`` and
06-numbers that belong to nobody.
"""

from __future__ import annotations

import re

from matching.records.enums import Gender
from training.simulator.randomness import TextRandom

__all__ = ["contact_details", "person_name"]

FIRST_MEN = (
    "Jan", "Pieter", "Mohamed", "Kees", "Bram", "Daan", "Sem", "Ruben", "Thomas", "Mark",
    "Dennis", "Kevin", "Rik", "Joost", "Erik", "Hans", "Marco", "Jeroen", "Sander", "Youssef",
    "Ricardo", "Stefan", "Bas", "Wouter", "Henk", "Gerrit", "Mehmet", "Luuk", "Niels", "Tim",
)
FIRST_WOMEN = (
    "Anna", "Sanne", "Fatima", "Marieke", "Lisa", "Emma", "Sophie", "Linda", "Monique", "Anouk",
    "Yvonne", "Ingrid", "Esther", "Priya", "Naima", "Chantal", "Petra", "Ilse", "Romy", "Fleur",
    "Daniëlle", "Samira", "Wendy", "Kim", "Joyce", "Tanja", "Gerda", "Melek", "Iris", "Noa",
)
FIRST_ANY = ("Sam", "Robin", "Kim", "Charlie", "Noah", "Alex", "Jip", "Sascha")
FIRST_NEWCOMER_MEN = ("Ahmad", "Yonas", "Mustafa", "Omar", "Tesfay", "Ali", "Hamid", "Samir", "Dawit")
FIRST_NEWCOMER_WOMEN = ("Amal", "Helen", "Rania", "Selam", "Zahra", "Lina", "Merhawit", "Nour", "Aisha")
#: Surnames that come with a prefix, and the prefix each takes.
PREFIXED = (
    ("de ", "Vries"), ("de ", "Jong"), ("de ", "Boer"), ("de ", "Graaf"), ("de ", "Wit"),
    ("van ", "Dijk"), ("van ", "Leeuwen"), ("van ", "Beek"), ("van der ", "Meer"),
    ("van der ", "Linden"), ("van den ", "Berg"), ("van den ", "Broek"), ("van de ", "Ven"),
    ("ter ", "Horst"), ("van ", "Wijk"),
)
SURNAMES = (
    "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters", "Hendriks",
    "Dekker", "Brouwer", "Dijkstra", "Koster", "Prins", "Kok", "Willems", "Hoekstra", "Maas",
    "Veenstra", "Kuipers", "Postma", "Schouten", "Verhoeven", "Jacobs", "Bosch", "Vermeulen",
    "Yilmaz", "Ouali", "Ramdin", "Kaya", "Boukhari", "Sedney", "Hermans", "Gerritsen", "Wijnen",
)
SURNAMES_NEWCOMER = (
    "Al-Hassan", "Haile", "Ahmadi", "Tesfamariam", "Othman", "Kahsay", "Rahimi", "Ibrahim",
    "Ghebremedhin", "Haidari", "Al-Khatib", "Berhane", "Nazari", "Yousef",
)


def person_name(tr: TextRandom, gender: Gender | None, *, newcomer: bool = False) -> str:
    """A full name such as 'Sanne van der Meer'."""
    if newcomer:
        first = tr.choice(FIRST_NEWCOMER_WOMEN if gender is Gender.WOMAN else FIRST_NEWCOMER_MEN)
        return f"{first} {tr.choice(SURNAMES_NEWCOMER)}"
    pool = {Gender.MAN: FIRST_MEN, Gender.WOMAN: FIRST_WOMEN}.get(gender, FIRST_ANY) if gender else (
        FIRST_MEN + FIRST_WOMEN
    )
    if tr.chance(0.35):
        prefix, surname = tr.choice(PREFIXED)
        return f"{tr.choice(pool)} {prefix}{surname}"
    return f"{tr.choice(pool)} {tr.choice(SURNAMES)}"


def contact_details(tr: TextRandom, name: str, domain: str = "voorbeeld.nl") -> tuple[str, str]:
    """(e-mail address, mobile number) for a name; the domain is reserved for examples."""
    local = re.sub(r"[^a-z.]", "", name.lower().replace(" ", ".").replace("ë", "e"))
    phone = "06-" + "".join(str(int(tr.random() * 10)) for _ in range(8))
    return f"{local}@{domain}", phone
