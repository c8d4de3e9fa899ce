"""The phone line's menu follows the catalogue of the cooperative serving the caller's zone:
its keys for the services it offers, its names, its refusals (issue 23, item 2)."""

from __future__ import annotations

from concierge.team.catalogue_editing import ServiceNames, rename, set_offered
from handlers.voice_menu import VoiceEvent, VoiceEventKind, VoiceStep, answer_call
from tests.conftest import Domain
from tests.test_cooperative_catalogue import LUCA, MARIA, two_catalogues


async def _call(domain: Domain, caller: str, kind: VoiceEventKind, **event: str) -> VoiceStep:
    async with domain.unit() as ctx:
        return await answer_call(ctx, VoiceEvent(kind=kind, caller=caller, **event))


async def _portico_without_shopping(domain: Domain, language: str) -> None:
    async with domain.unit() as ctx:
        portico, _ = await two_catalogues(ctx, language)
        await set_offered(ctx, portico, "shopping", False)
        names = ServiceNames(name_it="Ricette e medicine", name_en="Prescriptions and medicines")
        await rename(ctx, portico, "prescription", names)


async def test_a_caller_hears_the_keys_and_names_of_their_cooperative(demo_domain: Domain) -> None:
    await _portico_without_shopping(demo_domain, "it")
    menu = await _call(demo_domain, MARIA, VoiceEventKind.INCOMING)
    assert menu.say[-1] == (
        "Premi 1 per Ricette e medicine, 3 per Pacchi e raccomandate, 4 per Altro, "
        "0 per parlare con un operatore."
    )
    assert menu.keys == "1340"
    retired = await _call(demo_domain, MARIA, VoiceEventKind.KEY, key="2")
    assert retired.say[0] == "Quel tasto non è tra le scelte." and "2" not in retired.keys
    chosen = await _call(demo_domain, MARIA, VoiceEventKind.KEY, key="1")
    assert chosen.say[-1] == (
        "Hai chiesto: Ricette e medicine. Premi 1 per confermare, 2 per tornare al menu."
    )
    done = await _call(demo_domain, MARIA, VoiceEventKind.KEY, key="1")
    assert "Ricette e medicine" in done.say[0] and done.hangup


async def test_an_english_caller_and_a_caller_with_no_zone(demo_domain: Domain) -> None:
    await _portico_without_shopping(demo_domain, "en")
    menu = await _call(demo_domain, MARIA, VoiceEventKind.INCOMING)
    assert menu.say[-1] == (
        "Press 1 for Prescriptions and medicines, 3 for Parcels and letters, 4 for Something "
        "else, 0 to talk to an operator."
    )
    usual = await _call(demo_domain, LUCA, VoiceEventKind.INCOMING)  # no zone: the shared menu
    assert usual.say[-1] == (
        "Press 1 for medicines, 2 for shopping, 3 for parcels, 4 for other help, "
        "0 to talk to an operator."
    )
    assert usual.keys == "12340"


async def test_words_asking_for_a_retired_service_are_refused(demo_domain: Domain) -> None:
    await _portico_without_shopping(demo_domain, "it")
    await _call(demo_domain, MARIA, VoiceEventKind.INCOMING)
    heard = await _call(
        demo_domain, MARIA, VoiceEventKind.SPEECH, speech="mi serve la spesa al supermercato"
    )
    assert heard.say[0] == "Mi dispiace, questo servizio non è offerto nella tua zona."
    again = await _call(demo_domain, MARIA, VoiceEventKind.KEY, key="3")
    assert again.say[-1].startswith("Hai chiesto: Pacchi e raccomandate.")
