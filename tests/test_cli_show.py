"""`alliance show`: a partner's profile with numbered citations, on a terminal and in a pipe."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from alliance_cli.formats import OutputFormat, render
from alliance_cli.formats.view import Listing
from alliance_cli.query import claims_about, find_entity, order_with_related
from alliance_cli.store import load
from conftest import MINI

PIPED = """\
borduria-trade-2021\t2021\ttrade\truritania,borduria\treported\tTrade between Ruritania and Borduria was 9 billion US dollars in 2021.\t[1]\t9 USD billion
borduria-trade-2023\t2023\ttrade\truritania,borduria\treported\tTrade between Ruritania and Borduria reached 12.5 billion US dollars in 2023.\t[2]\t12.5 USD billion
borduria-pact-2023\t2023-03-03\ttreaty\truritania,borduria\treported\tRuritania and Borduria signed a friendship pact in Zenda with a mutual defense clause.\t[3][4]\tFriendship Pact; signed in Zenda; mutual defense; obligations: defense
borduria-troops-500\t2024-10\ttroops\truritania,borduria\talleged by Syldavia\tSyldavian intelligence says about 500 troops were sent.\t[5]\tabout 500 troops
borduria-troops-2000\tundated\ttroops\truritania,borduria\talleged by Syldavia; denied by Ruritania\tSyldavian officials allege that Ruritania sent 2,000 troops to Borduria.\t[6]\t2,000 troops

[1]\tborduria-trade-2021\talpha-report\tAlpha Report\tup from $9 billion in 2021\t
[2]\tborduria-trade-2023\talpha-report\tAlpha Report\tTrade between them reached $12.5 billion in 2023\t
[3]\tborduria-pact-2023\talpha-report\tAlpha Report\tOn March 3, 2023, Ruritania and Borduria signed a "friendship pact" in Zenda\t
[4]\tborduria-pact-2023\tbeta-bulletin\tBeta Bulletin\tRuritania's pact with Borduria, signed in 2023, covers defense and trade.\tThe bulletin gives the year only.
[5]\tborduria-troops-500\tbeta-bulletin\tBeta Bulletin\tSyldavian intelligence says about 500 troops were sent in October 2024.\t
[6]\tborduria-troops-2000\talpha-report\tAlpha Report\tOfficials in Syldavia allege that Ruritania sent 2,000 troops to Borduria; Ruritania denies it.\t
"""


def test_show_piped_prints_tab_separated_claims_then_citations(run):
    result = run("show", "borduria")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == PIPED
    assert "─" not in result.stdout and "│" not in result.stdout


def test_show_related_figures_sit_together(run):
    ids = [line.split("\t")[0] for line in run("show", "borduria").stdout.splitlines()[:5]]
    assert ids.index("borduria-trade-2023") == ids.index("borduria-trade-2021") + 1
    assert ids.index("borduria-troops-2000") == ids.index("borduria-troops-500") + 1


@pytest.mark.parametrize(
    "name", ["borduria", "Borduria", "BORDURIA", "bordurian republic", "Bordurian-Republic", "bo", "BOR"]
)
def test_show_matches_ids_names_aliases_and_iso_codes(run, name):
    result = run("show", name)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == PIPED


@pytest.mark.parametrize("name", ["north-borduria", "North Borduria", "north borduria", "NB", "nbr", "nbr-land"])
def test_show_matches_hyphenated_and_spaced_names(run, name):
    result = run("show", name)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""  # North Borduria is named by no claim


def test_show_unknown_country_suggests(run):
    result = run("show", "bordria")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr == "error: no entity 'bordria'; did you mean 'borduria'?\n"


def test_show_unknown_country_without_close_match(run):
    result = run("show", "atlantis")
    assert result.exit_code == 3
    assert result.stderr == "error: no entity 'atlantis'\n"


def _table(entity: str) -> str:
    ds = load(MINI)
    e = find_entity(ds, entity)
    claims = order_with_related(claims_about(ds, e))
    console = Console(file=io.StringIO(), width=100, color_system=None)
    for renderable in render(Listing(ds, claims[:2], "Borduria (country, BO/BOR)", "2 claims"), OutputFormat.table):
        console.print(renderable)
    return console.file.getvalue()


TABLE = """\
Borduria (country, BO/BOR)
2 claims

Date   Kind    Statement                                                         Status     Sources 
────────────────────────────────────────────────────────────────────────────────────────────────────
2021   trade   Trade between Ruritania and Borduria was 9 billion US dollars     reported   [1]     
               in 2021.                                                                     1 source
               9 USD billion                                                                        
               borduria-trade-2021                                                                  
2023   trade   Trade between Ruritania and Borduria reached 12.5 billion US      reported   [2]     
               dollars in 2023.                                                             1 source
               12.5 USD billion                                                                     
               borduria-trade-2023                                                                  

Citations                                              
[1]  Alpha Report — Alpha News (article, 2024-11)      
     “up from $9 billion in 2021”                      
[2]  Alpha Report — Alpha News (article, 2024-11)      
     “Trade between them reached $12.5 billion in 2023”
"""


def test_show_on_a_terminal_draws_a_table_with_citations():
    assert _table("borduria") == TABLE
