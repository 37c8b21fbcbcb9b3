"""SIB-200's published layout (github.com/dadelani/sib-200): ``sib-200/data/annotated/<lang_Script>/
{train,dev,test}.tsv``, tab-separated with CSV-style quoting, header ``index_id category text``.
Its 1,004 sentences per language are FLORES-200 dev and devtest sentences with the same
``index_id`` in all 205 languages. Read by the ``sib200`` (topic classification) and
``flores_lm`` (language modelling) tasks.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..core import Example
from ..data import check_labels, read_tsv
from ..errors import XlingError
from ..languages import normalize

LABELS = ("science/technology", "travel", "politics", "sports", "health", "entertainment", "geography")

# FLORES-200 codes as the dataset spells them (its 205 annotated languages).
NATIVE = """
ace_Arab ace_Latn acm_Arab acq_Arab aeb_Arab afr_Latn ajp_Arab aka_Latn als_Latn amh_Ethi apc_Arab arb_Arab
arb_Latn ars_Arab ary_Arab arz_Arab asm_Beng ast_Latn awa_Deva ayr_Latn azb_Arab azj_Latn bak_Cyrl bam_Latn
ban_Latn bel_Cyrl bem_Latn ben_Beng bho_Deva bjn_Arab bjn_Latn bod_Tibt bos_Latn bug_Latn bul_Cyrl cat_Latn
ceb_Latn ces_Latn cjk_Latn ckb_Arab crh_Latn cym_Latn dan_Latn deu_Latn dik_Latn dyu_Latn dzo_Tibt ell_Grek
eng_Latn epo_Latn est_Latn eus_Latn ewe_Latn fao_Latn fij_Latn fin_Latn fon_Latn fra_Latn fur_Latn fuv_Latn
gaz_Latn gla_Latn gle_Latn glg_Latn grn_Latn guj_Gujr hat_Latn hau_Latn heb_Hebr hin_Deva hne_Deva hrv_Latn
hun_Latn hye_Armn ibo_Latn ilo_Latn ind_Latn isl_Latn ita_Latn jav_Latn jpn_Jpan kab_Latn kac_Latn kam_Latn
kan_Knda kas_Arab kas_Deva kat_Geor kaz_Cyrl kbp_Latn kea_Latn khk_Cyrl khm_Khmr kik_Latn kin_Latn kir_Cyrl
kmb_Latn kmr_Latn knc_Arab knc_Latn kon_Latn kor_Hang lao_Laoo lij_Latn lim_Latn lin_Latn lit_Latn lmo_Latn
ltg_Latn ltz_Latn lua_Latn lug_Latn luo_Latn lus_Latn lvs_Latn mag_Deva mai_Deva mal_Mlym mar_Deva min_Arab
min_Latn mkd_Cyrl mlt_Latn mni_Beng mos_Latn mri_Latn mya_Mymr nld_Latn nno_Latn nob_Latn npi_Deva nqo_Nkoo
nso_Latn nus_Latn nya_Latn oci_Latn ory_Orya pag_Latn pan_Guru pap_Latn pbt_Arab pes_Arab plt_Latn pol_Latn
por_Latn prs_Arab quy_Latn ron_Latn run_Latn rus_Cyrl sag_Latn san_Deva sat_Olck scn_Latn shn_Mymr sin_Sinh
slk_Latn slv_Latn smo_Latn sna_Latn snd_Arab som_Latn sot_Latn spa_Latn srd_Latn srp_Cyrl ssw_Latn sun_Latn
swe_Latn swh_Latn szl_Latn tam_Taml taq_Latn taq_Tfng tat_Cyrl tel_Telu tgk_Cyrl tgl_Latn tha_Thai tir_Ethi
tpi_Latn tsn_Latn tso_Latn tuk_Latn tum_Latn tur_Latn twi_Latn tzm_Tfng uig_Arab ukr_Cyrl umb_Latn urd_Arab
uzn_Latn vec_Latn vie_Latn war_Latn wol_Latn xho_Latn ydd_Hebr yor_Latn yue_Hant zho_Hans zho_Hant zsm_Latn
zul_Latn
""".split()

SPLITS = ("train", "dev", "test")


def local_file(native: str, split: str) -> str:
    return f"sib-200/data/annotated/{native}/{split}.tsv"


def rows(path: Path) -> Iterator[tuple[int, str, str, str]]:
    """(line, index_id, category, text) of one file; an unknown label names the file and line."""
    for line, row in read_tsv(path, ("index_id", "category", "text")):
        yield line, row["index_id"], check_labels(path, line, row["category"], LABELS), row["text"]


# The 1,004 sentences as one corpus (split 'all': train + dev + test), for the flores_lm and
# flores_tokens tasks. Hub: mteb/sib200's three splits concatenated.
HUB_ID, HUB_REVISION = "mteb/sib200", "a74d7350ea12af010cfb1c21e34f1f81fd2e615b"


def corpus_files(native: str, split: str) -> tuple[str, ...]:
    return tuple(local_file(native, s) for s in SPLITS)


def read_corpus(paths, lang, split):
    for path in paths:
        for line, index_id, _, text in rows(path):
            yield Example(id=index_id, lang=lang, text=text, source=f"{path}:{line}")


def corpus_hub_config(native: str, split: str) -> tuple[str, str]:
    return native, "train+validation+test"


def read_corpus_hub(hub_rows, lang, split):
    for i, row in enumerate(hub_rows):
        if "index_id" not in row or "text" not in row:
            raise XlingError(f"{HUB_ID} {lang} row {i}: missing field index_id or text")
        yield Example(id=str(row["index_id"]), lang=lang, text=row["text"], source=f"hub:{i}")


# The doors of every task reading the 1,004 sentences as one corpus (split 'all').
CORPUS_DOORS = dict(languages=tuple((normalize(n), n) for n in NATIVE), splits=("all",), local_files=corpus_files,
                    read_local=read_corpus, hub_id=HUB_ID, hub_revision=HUB_REVISION, hub_config=corpus_hub_config,
                    read_hub=read_corpus_hub, homepage="https://github.com/dadelani/sib-200", test_split="all")
