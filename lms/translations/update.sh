#!/bin/sh
# Refresh the translation catalogues after code or templates changed.
#
#   lms/translations/update.sh            extract, merge, compile, report
#   lms/translations/update.sh --strict   same, but exit 1 if anything is
#                                         untranslated or fuzzy (for CI)
#
# Steps:
#   1. extract every marked string (babel.cfg) into messages.pot;
#   2. merge it into ru, ky and tr (a new language is initialised the same way:
#      add it to LANGS);
#   3. compile the .mo files (git-ignored; scripts/setup.sh and the package
#      build, lms/translations/build_hook.py, compile them too);
#   4. list per language how many messages are untranslated or fuzzy, and which.
#
# Then translate the listed messages in lms/translations/<lang>/LC_MESSAGES/
# messages.po (remove the "fuzzy" flag once a suggested translation is checked),
# run this script again and `pytest tests/test_translations.py`.
set -eu

cd "$(dirname "$0")/../.."
DIR=lms/translations
POT=$DIR/messages.pot
LANGS="ru ky tr"
STRICT=0
[ "${1:-}" = "--strict" ] && STRICT=1

pybabel --quiet extract -F babel.cfg \
    -k _l -k N_ -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 \
    --add-comments=TRANSLATORS: \
    --project=fablab-lms --copyright-holder="FabLab LMS" \
    -o "$POT" .

for lang in $LANGS; do
    if [ -f "$DIR/$lang/LC_MESSAGES/messages.po" ]; then
        pybabel --quiet update -i "$POT" -d "$DIR" -l "$lang" -D messages \
            --previous --ignore-obsolete --ignore-pot-creation-date
    else
        pybabel --quiet init -i "$POT" -d "$DIR" -l "$lang" -D messages
    fi
done

# --use-fuzzy is deliberately absent: a catalogue with fuzzy entries is still
# compiled, but the fuzzy entries are left out (English is shown for them).
pybabel compile -d "$DIR" -D messages --statistics

status=0
python3 - "$POT" "$DIR" $LANGS <<'EOF' || status=$?
import sys
from babel.messages.pofile import read_po

pot_path, directory, *langs = sys.argv[1:]
with open(pot_path, "rb") as fh:
    template = [m for m in read_po(fh) if m.id]
print(f"{len(template)} messages in {pot_path}")
incomplete = 0
for lang in langs:
    with open(f"{directory}/{lang}/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh, locale=lang)
    untranslated, fuzzy = [], []
    for source in template:
        m = catalog.get(source.id, source.context)
        strings = m.string if m is not None and isinstance(m.string, (list, tuple)) else [m.string if m else ""]
        if m is None or not all(strings):
            untranslated.append(source.id)
        elif m.fuzzy:
            fuzzy.append(source.id)
    incomplete += len(untranslated) + len(fuzzy)
    print(f"{lang}: {len(template) - len(untranslated) - len(fuzzy)} translated, "
          f"{len(untranslated)} untranslated, {len(fuzzy)} fuzzy")
    for label, items in (("untranslated", untranslated), ("fuzzy", fuzzy)):
        for mid in items:
            print(f"  [{label}] {mid!r}")
sys.exit(1 if incomplete else 0)
EOF
if [ "$STRICT" = 1 ]; then exit "$status"; fi
exit 0
