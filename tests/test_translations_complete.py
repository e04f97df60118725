"""Every text an administrator reads has a finished German translation (docs/i18n.md).

- The catalogs: every message of `resources/i18n/ec_console_de.ts` (the GUI) and of
  `ec_console/locale/de/LC_MESSAGES/ec_console.po` (the core) is finished, non-empty and not fuzzy, and keeps
  its placeholders, links, commands and codes exactly.
- The catalogs are up to date with the code: every `tr()` / `QT_TRANSLATE_NOOP` text of the GUI and every
  `_()` / `N_()` / `lazy()` / `ngettext()` / `count()` text of the core is in its catalog, translated
  (a text added without `make i18n` and a translation fails here).
- No user-visible text escapes translation: a scan of the source finds string literals given to Qt's text
  setters and widget constructors, and to the core's user-facing message sites (argparse's help,
  description and epilog, the console's errors, stderr), outside `tr()` / `_()`.

Every module is held to this (the list of modules not translated yet is gone: the whole console is German);
only the developers' tools in DEVELOPER_TOOLS are exempt.
"""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from functools import cache, lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "resources" / "i18n" / "ec_console_de.ts"
PO = ROOT / "ec_console" / "locale" / "de" / "LC_MESSAGES" / "ec_console.po"

# Texts only developers read (the screenshot and catalog tools, fixtures): never translated.
DEVELOPER_TOOLS = frozenset({
    "ec_console/i18n_build.py",
    "ec_console/ui/screenshots.py",
    "ec_console/ui/sample_data.py",
})

# --- what the scan looks for -----------------------------------------------------------------------------
QT_TEXT_SETTERS = frozenset({
    "setText", "setToolTip", "setStatusTip", "setWhatsThis", "setWindowTitle", "setPlaceholderText",
    "setTitle", "setSubTitle", "setLabelText", "setIconText", "setInformativeText", "setDetailedText",
    "setAccessibleName", "setAccessibleDescription", "showMessage", "addItem", "addItems", "addMenu",
    "addAction", "addTab", "setTabText", "setButtonText", "setHeaderLabels", "setSpecialValueText",
    "setPrefix", "setSuffix", "insertItem", "setItemText", "setHtml", "setPlainText", "setMarkdown",
})
QT_TEXT_CONSTRUCTORS = frozenset({
    "QLabel", "QPushButton", "QToolButton", "QCheckBox", "QRadioButton", "QGroupBox", "QAction", "QMenu",
    "QCommandLinkButton", "QListWidgetItem", "QTableWidgetItem", "QTreeWidgetItem", "QToolBar", "QDockWidget",
})
QT_MESSAGE_BOXES = frozenset({"information", "warning", "critical", "question", "about"})
ARGPARSE_TEXT_KEYWORDS = frozenset({"help", "description", "epilog"})
TRANSLATING_CALLS = frozenset({"tr", "translate", "_", "ngettext", "N_", "lazy", "QT_TRANSLATE_NOOP",
                               "QT_TR_NOOP", "count", "say", "say_n"})
IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*[A-Z][A-Za-z0-9_]*$")  # camelCase: a code, not words
CORE_ERRORS = re.compile(r"^(BadInput|ConsoleError|RoleRefused|\w+Refused|ArgumentTypeError)$")


def _module_paths(folder: Path) -> list[str]:
    return sorted(p.relative_to(ROOT).as_posix() for p in folder.rglob("*.py"))


UI_MODULES = _module_paths(ROOT / "ec_console" / "ui")
CORE_MODULES = [m for m in _module_paths(ROOT / "ec_console")
                if not m.startswith(("ec_console/ui/", "ec_console/sandbox/"))]


def _finished(path: str) -> bool:
    return path not in DEVELOPER_TOOLS


# --- the catalogs ---------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _ts_messages() -> list[dict]:
    """(context, source, translation, finished, files, numerus forms) of every .ts message."""
    found = []
    for context in ET.parse(TS).getroot().iter("context"):
        name = context.findtext("name")
        for message in context.iter("message"):
            translation = message.find("translation")
            forms = [f.text or "" for f in translation.iter("numerusform")]
            here = ROOT / "resources" / "i18n"
            files = {(here / loc.get("filename")).resolve().relative_to(ROOT).as_posix()
                     for loc in message.iter("location") if loc.get("filename")}
            state = translation.get("type")
            found.append({
                "context": name, "source": message.findtext("source"), "translation": translation.text or "",
                "forms": forms, "files": files,
                "finished": state not in ("unfinished", "vanished", "obsolete"),
            })
    return found


def _po_catalog():
    with PO.open("rb") as handle:
        return read_po(handle, locale="de")


def _po_messages() -> list[dict]:
    found = []
    for message in _po_catalog():
        if not message.id:
            continue
        singular, plural = (message.id if isinstance(message.id, tuple) else (message.id, None))
        strings = list(message.string) if isinstance(message.string, tuple) else [message.string]
        found.append({"source": singular, "plural": plural, "strings": strings, "fuzzy": message.fuzzy,
                      "files": {filename for filename, _line in message.locations}})
    return found


def _owned(files: set[str]) -> bool:
    """A message must be finished once any module it comes from is done."""
    return any(_finished(f) for f in files)


PLACEHOLDER = re.compile(r"%\d+|%L\d+|%\([a-z_]+\)[sdrf]|%[sdrf]|\{[a-z_]*\}|<[^>]+>")
UNTRANSLATABLE = re.compile(
    r"https?://\S+?(?=[\s)\"'”“]|$)"               # links
    r"|`[^`]+`"                                     # commands and codes quoted in backticks
    r"|\b(?:Get|Set|New|Remove|Add|Test|Grant|Connect|Disconnect)-[A-Z][A-Za-z]+\b"  # PowerShell cmdlets
    r"|\bEC_[A-Z_]+\b|--[a-z][a-z-]*\b|\bec-console\b"  # variables, flags, the command's name
)


def _kept(source: str, translation: str) -> bool:
    """The translation has the source's placeholders (the same ones, as often) and keeps each of its links,
    commands and codes character for character."""
    return sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(translation)) and all(
        translation.count(part) >= source.count(part) for part in UNTRANSLATABLE.findall(source))


def _mnemonics(text: str) -> int:
    return len(re.findall(r"&(?!&|amp;|\s)", text.replace("&&", "")))


def test_catalog_files_exist_and_are_sources_not_compiled_files():
    assert TS.is_file() and PO.is_file()
    assert 'language="de"' in TS.read_text(encoding="utf-8")[:300]


def test_every_gui_message_of_a_translated_module_is_finished():
    missing = [f"{m['context']}: {m['source']!r}" for m in _ts_messages()
               if _owned(m["files"]) and not (m["finished"] and (m["translation"].strip() or
                                                                 all(f.strip() for f in m["forms"] or [""])))]
    assert not missing, "GUI texts without a finished German translation (`make i18n`, then translate):\n" \
        + "\n".join(missing)


def test_every_core_message_of_a_translated_module_is_translated():
    missing = [m["source"] for m in _po_messages()
               if _owned(m["files"]) and (m["fuzzy"] or not all(s.strip() for s in m["strings"]))]
    assert not missing, "core texts without a German translation:\n" + "\n".join(missing)


def test_translations_keep_placeholders_links_commands_and_codes():
    wrong = []
    for m in _ts_messages():
        if m["finished"] and m["translation"]:
            if not _kept(m["source"], m["translation"]):
                wrong.append(f"{m['source']!r} → {m['translation']!r}")
            if _mnemonics(m["source"]) != _mnemonics(m["translation"]):
                wrong.append(f"mnemonic: {m['source']!r} → {m['translation']!r}")
    for m in _po_messages():
        for string in m["strings"]:
            if string and not _kept(m["source"], string):
                wrong.append(f"{m['source']!r} → {string!r}")
    assert not wrong, "translations that change a placeholder, link, command or code:\n" + "\n".join(wrong)


def test_the_placeholder_check_catches_a_dropped_or_changed_part():
    # The comparison the test above relies on, shown failing on what it must catch.
    assert not _kept("Open %s in your browser", "Im Browser öffnen")
    assert not _kept("Open %1 and %2", "%1 und %1 öffnen")
    assert not _kept("see https://admin.google.com/ac/owl now", "siehe https://admin.google.com/ac/owI jetzt")
    assert not _kept("run `Get-ManagementScope`", "Get-Managementscope ausführen")
    assert not _kept("set EC_PASSWORD or use --region", "EC_PASSWORT setzen oder --Region verwenden")
    assert _kept("{message} (see '{prog} --help')", "{message} (siehe '{prog} --help')")
    assert _kept("Enterprise Connect instance", "Enterprise Connect-Instanz")
    assert _mnemonics("&File") == _mnemonics("&Datei") != _mnemonics("Datei")


# --- the catalogs are up to date with the code ----------------------------------------------------------
def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # "a" "b" is one Constant already
        left, right = _literal(node.left), _literal(node.right)
        return left + right if left is not None and right is not None else None
    return None


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _tree(module: str) -> ast.Module:
    return _parsed(ROOT / module)


@cache
def _parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def _gui_texts(module: str) -> list[tuple[str, str, int]]:
    """(context, text, line) of every text the module translates with Qt."""
    texts = []

    def visit(node: ast.AST, context: str) -> None:
        if isinstance(node, ast.ClassDef):
            context = node.name
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name == "tr" and node.args and _literal(node.args[0]) is not None:
                texts.append((context, _literal(node.args[0]), node.lineno))
            elif name in ("translate", "QT_TRANSLATE_NOOP") and len(node.args) >= 2 \
                    and _literal(node.args[0]) is not None and _literal(node.args[1]) is not None:
                texts.append((_literal(node.args[0]), _literal(node.args[1]), node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, context)

    visit(_tree(module), "")
    return texts


CORE_KEYWORDS = {"_": (0,), "N_": (0,), "lazy": (0,), "ngettext": (0, 1), "count": (1, 2), "say": (0,),
                 "say_n": (0, 1)}


def _core_texts(module: str) -> list[tuple[str, int]]:
    texts = []
    for node in ast.walk(_tree(module)):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            for index in CORE_KEYWORDS.get(name, ()):
                if index < len(node.args) and _literal(node.args[index]) is not None:
                    texts.append((_literal(node.args[index]), node.lineno))
    return texts


def _translated_gui() -> set[tuple[str, str]]:
    return {(m["context"], m["source"]) for m in _ts_messages() if m["finished"] and m["translation"]}


def _core_translated(catalog, text: str) -> bool:
    plural = (m for m in catalog if isinstance(m.id, tuple) and text in m.id)
    message = catalog.get(text) or next(plural, None)
    if message is None or message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings)


def test_every_gui_text_of_a_translated_module_is_in_the_catalog_and_translated():
    translated = _translated_gui()
    missing = [f"{module}:{line} [{context}] {text!r}"
               for module in UI_MODULES if _finished(module)
               for context, text, line in _gui_texts(module) if (context, text) not in translated]
    assert not missing, "GUI texts missing from resources/i18n/ec_console_de.ts (run `make i18n`):\n" \
        + "\n".join(missing)


def test_every_core_text_of_a_translated_module_is_in_the_catalog_and_translated():
    catalog = _po_catalog()
    missing = []
    for module in CORE_MODULES:
        if not _finished(module):
            continue
        for text, line in _core_texts(module):
            if not _core_translated(catalog, text):
                missing.append(f"{module}:{line} {text!r}")
    assert not missing, "core texts missing from the .po (run `make i18n`):\n" + "\n".join(missing)


# --- no user-visible literal outside tr() / _() ---------------------------------------------------------
def _has_words(node: ast.AST) -> bool:
    """A literal (or an f-string's literal parts) with letters in it: something a person reads."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if IDENTIFIER.match(node.value):  # an object name (DESIGN.md: accessible names match them)
            return False
        # Markup is not words: whole tags, a tag's end begun in an earlier part, a tag going on in the next.
        text = re.sub(r"<[^<>]*>|&[a-z]+;", "", node.value)
        text = re.sub(r"^[^<>]*>|<[^<>]*$", "", text)
        return bool(re.search(r"[A-Za-z]{2}", text))
    if isinstance(node, ast.JoinedStr):
        return any(_has_words(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _has_words(node.left) or _has_words(node.right)
    return False


def _gui_literals(module: str) -> list[str]:
    found = []
    for node in ast.walk(_tree(module)):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        owner = node.func.value.id if isinstance(node.func, ast.Attribute) \
            and isinstance(node.func.value, ast.Name) else ""
        if name in QT_TEXT_SETTERS or name in QT_TEXT_CONSTRUCTORS or \
                (owner == "QMessageBox" and name in QT_MESSAGE_BOXES):
            arguments = list(node.args) + [k.value for k in node.keywords if k.arg in ("text", "title")]
            for argument in arguments:
                if _has_words(argument):
                    found.append(f"{module}:{node.lineno} {name}({ast.unparse(argument)[:60]})")
    return found


def _core_literals(module: str) -> list[str]:
    found = []
    for node in ast.walk(_tree(module)):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        suspects = [k.value for k in node.keywords if k.arg in ARGPARSE_TEXT_KEYWORDS]
        if CORE_ERRORS.match(name) or (name == "write" and ast.unparse(node.func).startswith("sys.stderr")):
            suspects += node.args[:1]
        to_stderr = any(k.arg == "file" and "stderr" in ast.unparse(k.value) for k in node.keywords)
        if name == "print" and to_stderr:
            suspects += node.args[:1]
        found += [f"{module}:{node.lineno} {name}({ast.unparse(s)[:60]})" for s in suspects if _has_words(s)]
    return found


# A check's step texts (title, detail) are stored in English and shown in the reader's language
# (ec_console/texts.py): each must be a `say()` / `say_n()` text (or `_()`, or a variable holding one), never
# a literal or an f-string, whose English no template can give back. Positions: (index, keyword) of the text.
STEP_TEXT_ARGUMENTS = {
    "passed": ((0, "detail"),), "warned": ((0, "detail"),), "failed": ((1, "detail"),),
    "skipped": ((0, "reason"),), "StepSpec": ((1, "title"),), "StepResult": ((1, "title"), (4, "detail")),
    "Outcome": ((1, "detail"),),
}


def _unsaid(node: ast.AST) -> bool:
    """A step text written as a literal with words, an f-string, or a string concatenated or formatted."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(re.search(r"[A-Za-z]{2}", node.value))
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return True
    if isinstance(node, ast.IfExp):
        return _unsaid(node.body) or _unsaid(node.orelse)
    if isinstance(node, ast.BoolOp):
        return any(_unsaid(value) for value in node.values)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return isinstance(node.func.value, (ast.Constant, ast.JoinedStr))
    return False


def _step_text_literals(module: str) -> list[str]:
    """The step titles and details of `module` that are not `say()` / `say_n()` texts."""
    found = []
    for node in ast.walk(_tree(module)):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        for index, keyword in STEP_TEXT_ARGUMENTS.get(name, ()):
            arguments = [node.args[index]] if index < len(node.args) else []
            arguments += [k.value for k in node.keywords if k.arg == keyword]
            found += [f"{module}:{node.lineno} {name}({ast.unparse(a)[:60]})"
                      for a in arguments if _unsaid(a)]
    return found


def test_no_gui_text_of_a_translated_module_escapes_tr():
    found = [hit for module in UI_MODULES if _finished(module) for hit in _gui_literals(module)]
    assert not found, "user-visible literals outside tr():\n" + "\n".join(found)


def test_no_core_message_of_a_translated_module_escapes_gettext():
    found = [hit for module in CORE_MODULES if _finished(module) for hit in _core_literals(module)]
    assert not found, "user-visible literals outside _():\n" + "\n".join(found)


def test_every_step_text_of_a_translated_module_is_said():
    found = [hit for module in CORE_MODULES if _finished(module) for hit in _step_text_literals(module)]
    assert not found, "step titles and details not built with texts.say() / say_n():\n" + "\n".join(found)


def test_the_step_text_scan_finds_literals_and_f_strings(tmp_path, monkeypatch):
    # The scan, shown failing on what it must catch (a module written here, not the product's code).
    module = tmp_path / "ec_console" / "providers" / "sample.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "def steps(host, detail, said, n):\n"
        "    StepSpec('dns', 'Resolve the server name')\n"                 # caught
        "    StepSpec('tcp', say('Connect to the server'))\n"              # said
        "    StepResult('tls', TITLE, StepStatus.PASS, 0, f'Connected to {host}')\n"  # caught: the detail
        "    StepResult(id='x', title=say('Read'), status=s, detail=detail)\n"  # a variable: fine
        "    passed(f'{host} resolves')\n"                                  # caught
        "    passed(say('{host} resolves', host=host))\n"                    # said
        "    warned(detail + '. More words')\n"                             # caught: concatenated
        "    failed(diagnosis, 'Exchange answered')\n"                      # caught
        "    failed(diagnosis, detail=f'{said}. {detail}')\n"               # caught: said text in an f-string
        "    skipped(say('Plain http') if n else 'no TLS to check')\n"      # caught: one branch is a literal
        "    Outcome(StepStatus.SKIP, 'Skipped: {t}'.format(t=n))\n"        # caught
        "    passed(say_n('{n} block', '{n} blocks', n))\n"                 # said
        "    passed('')\n",                                                # nothing to read
        encoding="utf-8")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    hits = _step_text_literals("ec_console/providers/sample.py")
    assert sorted(int(hit.split(":")[1].split(" ")[0]) for hit in hits) == [2, 4, 6, 8, 9, 10, 11, 12]


def test_the_scan_finds_a_literal_outside_tr(tmp_path, monkeypatch):
    # The scan, shown failing on what it must catch (a module written here, not the product's code).
    module = tmp_path / "ec_console" / "ui" / "sample.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "class W:\n"
        "    def build(self, name):\n"
        "        self.label.setText('Region')\n"                # caught
        "        self.label.setToolTip(f'Open {name} now')\n"   # caught
        "        self.box = QLabel(self.tr('Fine'))\n"          # translated
        "        self.mark = QLabel(f'&{name}')\n"              # no words of its own
        "        self.mark.setAccessibleName('markLabel')\n"   # an object name
        "        self.head = QLabel(f\"<h2 style='margin:0'>{name}</h2>\")\n"  # markup only
        "        self.link = QLabel(f\"<a href='{url}'>Open it</a>\")\n"  # caught: "Open it"
        "        QMessageBox.warning(self, 'Title', self.tr('Body'))\n"  # caught
        "def cli(parser):\n"
        "    parser.add_argument('--x', help='untranslated help')\n"
        "    raise BadInput(f'{x} is wrong')\n",
        encoding="utf-8")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    gui = _gui_literals("ec_console/ui/sample.py")
    core = _core_literals("ec_console/ui/sample.py")
    called = [hit.split(" ", 1)[1].split("(")[0] for hit in gui]
    assert called == ["setText", "setToolTip", "QLabel", "warning"]
    assert [hit.split(" ", 1)[1].split("(")[0] for hit in core] == ["add_argument", "BadInput"]
    assert _gui_texts("ec_console/ui/sample.py") == [("W", "Fine", 5), ("W", "Body", 10)]


# --- the developers' tools -----------------------------------------------------------------------------
def test_the_exempt_tools_are_real_modules():
    unknown = sorted(m for m in DEVELOPER_TOOLS if not (ROOT / m).is_file())
    assert not unknown, f"DEVELOPER_TOOLS names modules that do not exist: {unknown}"
