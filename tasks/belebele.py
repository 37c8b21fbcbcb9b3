"""Belebele: multiple-choice reading comprehension on FLORES-200 passages, 122 language
variants, 900 questions each, 4 answers. Bandarkar et al., ACL 2024.

Prompt: exactly lm-evaluation-harness 0.4.13's ``belebele_<lang>`` (``_default_template_yaml``):
'P: <passage>\\nQ: <question stripped>\\nA: <answer 1>\\nB: ...\\nD: <answer 4>\\nAnswer:' as
context, the letters A-D (after a space) as continuations.

Local door: the hub repository's layout ``belebele/data/<lang_Script>.jsonl`` (one JSON object
per line: link, question_number, flores_passage, question, mc_answer1..4, correct_answer_num
(1-4, a string), dialect, ds); the files of github.com/facebookresearch/belebele's Belebele.zip
are the same ``<lang_Script>.jsonl``. Item ids are line numbers (the files are parallel, in the
same order). Hub door: ``facebook/belebele`` (one config per language, split ``test``) at commit
7899cdfa4e1e0d733fd77c848e2c273cb1d32be2, the revision public LightEval task tables and dataset
pin lists pin (found with code search; MTEB pins an older one, 75b399394a9803252cfec289d103de462763db7c,
whose configs are laid out differently). Not checked against the hub from here (no network).
"""
from __future__ import annotations

from xling.core import Example
from xling.data import field, hub_field, read_jsonl
from xling.errors import XlingError
from xling.languages import normalize
from xling.prompts import ChoiceTemplate
from xling.task import MultipleChoice

# the 122 configs of lm-evaluation-harness 0.4.13's belebele tasks (lm_eval/tasks/belebele)
NATIVE = """
acm_Arab afr_Latn als_Latn amh_Ethi apc_Arab arb_Arab arb_Latn ars_Arab ary_Arab arz_Arab asm_Beng azj_Latn
bam_Latn ben_Beng ben_Latn bod_Tibt bul_Cyrl cat_Latn ceb_Latn ces_Latn ckb_Arab dan_Latn deu_Latn ell_Grek
eng_Latn est_Latn eus_Latn fin_Latn fra_Latn fuv_Latn gaz_Latn grn_Latn guj_Gujr hat_Latn hau_Latn heb_Hebr
hin_Deva hin_Latn hrv_Latn hun_Latn hye_Armn ibo_Latn ilo_Latn ind_Latn isl_Latn ita_Latn jav_Latn jpn_Jpan
kac_Latn kan_Knda kat_Geor kaz_Cyrl kea_Latn khk_Cyrl khm_Khmr kin_Latn kir_Cyrl kor_Hang lao_Laoo lin_Latn
lit_Latn lug_Latn luo_Latn lvs_Latn mal_Mlym mar_Deva mkd_Cyrl mlt_Latn mri_Latn mya_Mymr nld_Latn nob_Latn
npi_Deva npi_Latn nso_Latn nya_Latn ory_Orya pan_Guru pbt_Arab pes_Arab plt_Latn pol_Latn por_Latn ron_Latn
rus_Cyrl shn_Mymr sin_Latn sin_Sinh slk_Latn slv_Latn sna_Latn snd_Arab som_Latn sot_Latn spa_Latn srp_Cyrl
ssw_Latn sun_Latn swe_Latn swh_Latn tam_Taml tel_Telu tgk_Cyrl tgl_Latn tha_Thai tir_Ethi tsn_Latn tso_Latn
tur_Latn ukr_Cyrl urd_Arab urd_Latn uzn_Latn vie_Latn war_Latn wol_Latn xho_Latn yor_Latn zho_Hans zho_Hant
zsm_Latn zul_Latn
""".split()
LETTERS = ("A", "B", "C", "D")


def _build(example, params):
    """lm-eval's doc_to_text and doc_to_choice for belebele."""
    a, b, c, d = example.choices
    return (f"P: {example.text}\nQ: {example.text_pair.strip()}\nA: {a}\nB: {b}\nC: {c}\nD: {d}\nAnswer:",
            LETTERS)


TEMPLATE = ChoiceTemplate("belebele", _build)


def _example(where: str, i: int, lang: str, get) -> Example:
    answer = str(get("correct_answer_num")).strip()
    if answer not in ("1", "2", "3", "4"):
        raise XlingError(f"{where}: correct_answer_num must be 1-4, found {answer!r}")
    return Example(id=str(i), lang=lang, text=get("flores_passage"), text_pair=get("question"),
                   choices=tuple(get(f"mc_answer{k}") for k in range(1, 5)), gold=int(answer) - 1, source=where)


def _local_files(native: str, split: str) -> tuple[str, ...]:
    return (f"belebele/data/{native}.jsonl",)


def _read_local(paths, lang, split):
    (path,) = paths
    for i, (line, row) in enumerate(read_jsonl(path)):
        yield _example(f"{path}:{line}", i, lang, lambda k, r=row, ln=line: field(path, ln, r, k))


def _hub_config(native: str, split: str) -> tuple[str, str]:
    return native, "test"


def _read_hub(rows, lang, split):
    for i, row in enumerate(rows):
        where = f"facebook/belebele {lang} row {i}"

        yield _example(where, i, lang, hub_field(where, row))


TASK = MultipleChoice(
    name="belebele",
    version="1",
    description="Belebele reading comprehension (4 choices), 122 language variants; lm-evaluation-harness prompt",
    languages=tuple((normalize(n), n) for n in NATIVE),
    splits=("test",),
    local_files=_local_files,
    read_local=_read_local,
    hub_id="facebook/belebele",
    hub_revision="7899cdfa4e1e0d733fd77c848e2c273cb1d32be2",
    hub_config=_hub_config,
    read_hub=_read_hub,
    main_metric="acc",
    settings=("prompted",),
    homepage="https://github.com/facebookresearch/belebele",
    template=TEMPLATE,
)
