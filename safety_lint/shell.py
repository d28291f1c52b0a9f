"""A shell tokenizer for the commands a file tells the model to run.

Turns a script (a fenced block, an inline code span, a `bash -c` string) into simple commands:
the words of each command with environment assignments and wrappers (`sudo`, `env X=1`,
`uv run`, `npx`, `python -m`, `xargs`, ...) peeled off, so the tool and its subcommand are
`argv[0]` and what follows. Nothing is executed. It never raises: a script that is not valid
shell (an unbalanced quote, a stray operator) falls back to splitting on white space.

Light imports only: the runtime guard imports this before every Bash call.
"""

from __future__ import annotations

import re
import shlex

from safety_lint.lazyre import lazy
from safety_lint.record import record

# Nested strings (`bash -c`, `$(...)`, `eval`) are split again, this deep at most: a hostile
# script of nested quotes cannot make the tokenizer recurse without end.
MAX_DEPTH = 4
# A quoted string spanning lines is joined with the lines that follow, this many at most.
MAX_JOIN = 200
# Characters of one script that are looked at; beyond that a script is not a step to run.
MAX_CHARS = 200_000


@record
class Invocation:
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    wrappers: tuple[str, ...]
    line: int
    text: str
    nested: bool
    heredoc: str = ""  # the body of `<<EOF` (or a `<<<` string) fed to this command
    in_loop: bool = False  # inside `for`/`while`/`until ... do ... done` (a fan-out)


def tool_name(argv0: str) -> str:
    """The tool as a plain name: `./scripts/Release.sh` -> `release.sh`, `/usr/bin/kubectl`
    -> `kubectl`."""
    name = argv0.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return name.lower()


# --- wrappers -------------------------------------------------------------------------------
@record
class _Wrapper:
    words: tuple[str, ...]  # the words that name it: ("uv", "run")
    value_options: frozenset[str] = frozenset()  # options that take the next word as value
    positional: int = 0  # positionals it takes before the command (`timeout 30s cmd`)
    assignments: bool = False  # takes VAR=value words (env)


def _w(
    words: str, value_options: str = "", positional: int = 0, assignments: bool = False
) -> _Wrapper:
    return _Wrapper(tuple(words.split()), frozenset(value_options.split()), positional, assignments)


# Why not data in the rule pack: these are how a shell runs a command, not policy; a wrapper
# missed here still leaves the command visible to the generic verb list.
_WRAPPER_LIST = (
    _w("sudo", "-u -g -C -h -p -U -r -t -D -R -T --user --group --host --prompt"),
    _w("doas", "-u -C"),
    _w("pkexec", "--user"),
    _w("env", "-u -C -S --unset --chdir --split-string", assignments=True),
    _w(
        "uv run",
        "--with --python -p --project --directory --package --extra --group "
        "--env-file --index --index-url --with-requirements --isolated",
    ),
    _w("uv tool run", "--with --python -p --from"),
    _w("uvx", "--with --python -p --from"),
    _w("pipx run", "--spec --python"),
    _w("poetry run", "-C --directory -P --project"),
    _w("pipenv run"),
    _w("pdm run", "-p --project"),
    _w("hatch run", "-e --env"),
    _w("rye run"),
    _w("conda run", "-n --name -p --prefix"),
    _w("mamba run", "-n --name -p --prefix"),
    _w("npx", "-p --package -c --call"),
    _w("npm exec", "-p --package -c --call -w --workspace"),
    _w("pnpm dlx", "--package"),
    _w("pnpm exec", "-C --dir"),
    _w("yarn dlx", "-p --package"),
    _w("yarn exec"),
    _w("bunx", "-p --package"),
    _w("bun x", "-p --package"),
    _w("bundle exec"),
    _w("python -m"),
    _w("python3 -m"),
    _w("py -m"),
    _w("time", "-f -o --format --output"),
    _w("nohup"),
    _w("nice", "-n --adjustment"),
    _w("ionice", "-c -n -p --class --classdata"),
    _w("timeout", "-s -k --signal --kill-after", positional=1),
    _w(
        "xargs",
        "-n -I -i -L -l -P -d -E -e -s -a --max-args --replace --max-lines "
        "--max-procs --delimiter --eof --arg-file",
    ),
    _w("watch", "-n -d --interval --differences"),
    _w("exec", "-a"),
    _w("command"),
    _w("builtin"),
    _w("stdbuf", "-i -o -e"),
    _w("unbuffer"),
    _w("chronic"),
    _w("caffeinate", "-t -w"),
    _w("flock", "-w -E --timeout --conflict-exit-code", positional=1),
    _w("retry", "-t -d --tries --delay --times"),
    _w("dotenv", "-e -f -c -v", assignments=True),
    _w("op run", "--env-file"),
    _w("doppler run", "-p -c --project --config"),
    _w("aws-vault exec", "-d --duration", positional=1),
)
# Longest first, so `uv tool run` is tried before `uv run`... and `uv` alone is no wrapper.
_WRAPPERS: tuple[_Wrapper, ...] = tuple(sorted(_WRAPPER_LIST, key=lambda w: -len(w.words)))
_INTERPRETERS = frozenset(
    [
        "bash",
        "sh",
        "zsh",
        "dash",
        "ksh",
        "fish",
        "python",
        "python3",
        "python2",
        "py",
        "node",
        "deno",
        "ruby",
        "perl",
        "php",
        "pwsh",
        "powershell",
        "tsx",
        "ts-node",
    ]
)
_SHELLS = frozenset(["bash", "sh", "zsh", "dash", "ksh", "fish"])
_SCRIPT = lazy(r"[\w./~$-]*\.(sh|bash|zsh|py|js|mjs|cjs|ts|rb|pl|php|ps1)$", re.I)
_ASSIGNMENT = lazy(r"^[A-Za-z_][A-Za-z0-9_]*=")
# Words that start a compound command or follow a separator without being the command.
_KEYWORDS = frozenset(
    [
        "if",
        "then",
        "else",
        "elif",
        "do",
        "while",
        "until",
        "!",
        "{",
        "}",
        "(",
        ")",
        "[[",
        "]]",
        "fi",
        "done",
        "esac",
    ]
)
_LOOP_HEADS = frozenset(["for", "while", "until", "select"])
_SKIP_COMMANDS = frozenset(["for", "case", "select", "function"])


_BY_FIRST: dict[str, tuple[_Wrapper, ...]] = {}
for _wrapper in _WRAPPERS:
    _BY_FIRST[_wrapper.words[0]] = (*_BY_FIRST.get(_wrapper.words[0], ()), _wrapper)


def _match_wrapper(words: list[str]) -> _Wrapper | None:
    if not words:
        return None
    lowered = [tool_name(words[0]), *words[1:3]]
    for wrapper in _BY_FIRST.get(lowered[0], ()):  # longest first, as in _WRAPPERS
        if tuple(lowered[: len(wrapper.words)]) == wrapper.words:
            return wrapper
    return None


def _peel(
    words: list[str],
) -> tuple[list[str], list[tuple[str, str]], list[str], list[str]]:
    """Env assignments and wrappers off the front. Returns argv, env, wrappers and nested
    scripts found on the way (`bash -c STRING`, `eval STRING`, `env -S STRING`)."""
    env: list[tuple[str, str]] = []
    wrappers: list[str] = []
    nested: list[str] = []
    i = 0
    for _ in range(64):  # bounded: each round peels at least one word or stops
        while i < len(words) and "=" in words[i] and _ASSIGNMENT.match(words[i]):
            name, _, value = words[i].partition("=")
            env.append((name, value))
            i += 1
        while i < len(words) and words[i] in _KEYWORDS:
            i += 1
        if i >= len(words):
            return [], env, wrappers, nested
        rest = words[i:]
        name = tool_name(rest[0])
        if name == "command" and len(rest) > 1 and rest[1] in ("-v", "-V"):
            return [], env, wrappers, nested  # `command -v kubectl` asks, does not run
        if name == "eval":
            nested.append(" ".join(rest[1:]))
            return [], env, wrappers, nested
        if name in _SHELLS:
            script = _shell_string(rest)
            if script is not None:
                wrappers.append(f"{name} -c")
                nested.append(script)
                return [], env, wrappers, nested
        wrapper = _match_wrapper(rest)
        if wrapper is not None:
            j = i + len(wrapper.words)
            positional = wrapper.positional
            while j < len(words):
                word = words[j]
                if word == "--":
                    j += 1
                    break
                if wrapper.assignments and "=" in word and _ASSIGNMENT.match(word):
                    name_, _, value = word.partition("=")
                    env.append((name_, value))
                    j += 1
                elif word.startswith("-") and len(word) > 1:
                    if word in ("-S", "--split-string") and wrapper.words == ("env",):
                        if j + 1 < len(words):
                            nested.append(words[j + 1])
                        return [], env, [*wrappers, "env"], nested
                    j += 2 if word in wrapper.value_options else 1
                elif positional:
                    positional -= 1
                    j += 1
                else:
                    break
            wrappers.append(" ".join(wrapper.words))
            i = j
            continue
        if name in _INTERPRETERS and len(rest) > 1:
            # `python manage.py migrate`, `bash ./deploy.sh prod`: the script is the tool.
            k = 1
            while k < len(rest) and rest[k].startswith("-") and rest[k] not in ("-m", "-c"):
                k += 1
            if k < len(rest) and _SCRIPT.match(rest[k]):
                wrappers.append(name)
                i += k
                continue
        return rest, env, wrappers, nested
    return words[i:], env, wrappers, nested


def _shell_string(words: list[str]) -> str | None:
    """The STRING of `bash -c STRING` (also `-lc`, `-ec`, `-o pipefail -c`)."""
    j = 1
    while j < len(words):
        word = words[j]
        if word.startswith("-") and not word.startswith("--") and "c" in word[1:]:
            return words[j + 1] if j + 1 < len(words) else ""
        if word in ("-o", "+o"):
            j += 2
            continue
        if not word.startswith(("-", "+")):
            return None
        j += 1
    return None


# --- splitting ------------------------------------------------------------------------------
_HEREDOC = lazy(r"<<(-?)\s*(['\"]?)([A-Za-z_][\w.-]*)\2")
_SEPARATORS = frozenset({"&&", "||", ";", ";;", ";&", ";;&", "|", "|&", "&", "(", ")", "\n"})
_REDIRECT = lazy(r"^[0-9]*(<<<|<<-?|<>|>>?\|?|<|&>>?|>&|<&)$")
# A console session's prompt before the command (`$ kubectl apply`, `PS C:\> ...`,
# `deploy@web-1:~$ ...`). Not `#` (a comment) nor `>` (a continuation or a quote).
_PROMPT = lazy(
    r"^\s*(?:\$|%|\u276f|\u279c|\u03bb|PS(?: [^>\n]*)?>"
    r"|(?:\([\w.-]+\)\s?)?[\w.-]+@[\w.-]+(?::[^\s$#]*)?[$#])\s+"
)
# Each prompt above has one of these characters (a cheap test before the pattern runs).
_PROMPT_MARKS = ("$", "%", "\u276f", "\u279c", "\u03bb", ">", "#")
_SUBST_MARK = "\x00S"
_MARK = lazy(re.escape(_SUBST_MARK) + r"(\d+)")
# Substitutions of one line that are split again; a line of ten thousand backticks is not a
# script anyone runs, and the rest of it stays plain text.
MAX_SUBSTITUTIONS = 64
# Prose in a shell block: a list item (`- Apply the fix`, `2. Deploy`), a quote, a prompt
# continuation (`> `): no tool is named `-` or `2.`.
_NOT_A_COMMAND = lazy(r"^(-+|\*|•|>|\d{1,3}[.)]|#+)$")


def _may_be_prose(word: str) -> bool:
    """False when _NOT_A_COMMAND cannot match (a cheap test before the pattern runs)."""
    first = word[:1]
    return first in ("-", "*", "•", ">", "#") or first.isdecimal()


_PLACEHOLDER = lazy(r"<[A-Za-z_][\w.:-]*>(?=$|[\s;|&)])")


def split_script(script: str, first_line: int = 1) -> list[Invocation]:
    """Every simple command of `script`, in order, with its 1-based line."""
    try:
        return _split(script[:MAX_CHARS], first_line, 0, nested=False, wrappers=())
    except RecursionError:  # pragma: no cover - bounded by MAX_DEPTH; belt and braces
        return []


def _split(
    script: str,
    first_line: int,
    depth: int,
    nested: bool,
    wrappers: tuple[str, ...],
    in_loop: bool = False,
) -> list[Invocation]:
    out: list[Invocation] = []
    if depth > MAX_DEPTH:
        return out
    loops = [1 if in_loop else 0]  # open loops, carried from line to line
    lines = script.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # How each line changes the quote state ("" / "'" / '"'), for the three states it can be
    # entered in: finding where an open quote closes is then a walk over these, not a rescan.
    moves = [{q: _quote_after(text, q) for q in ("", "'", '"')} for text in lines]
    i = 0
    while i < len(lines):
        start = i
        logical = lines[i]
        if any(mark in logical for mark in _PROMPT_MARKS):
            logical = _PROMPT.sub("", logical, count=1)
        state = moves[i][""]
        i += 1
        for _ in range(MAX_JOIN):
            if logical.endswith("\\") and not logical.endswith("\\\\") and i < len(lines):
                logical = logical[:-1] + " " + lines[i]
                state = moves[i][state]
                i += 1
            elif state and i < len(lines):
                # Join only when a later line closes the quote; a quote never closed is a
                # typo, and the lines after it are still commands of their own.
                closing, walk = None, state
                for j in range(i, min(len(lines), i + MAX_JOIN)):
                    walk = moves[j][walk]
                    if not walk:
                        closing = j
                        break
                if closing is None:
                    break
                logical = "\n".join([logical, *lines[i : closing + 1]])
                state = ""
                i = closing + 1
            else:
                break
        # Heredoc bodies: the lines up to the delimiter are the command's input, not commands.
        bodies: list[str] = []
        for match in _heredocs(logical):
            strip_tabs, delimiter = match.group(1) == "-", match.group(3)
            body: list[str] = []
            while i < len(lines):
                text = lines[i].lstrip("\t") if strip_tabs else lines[i]
                i += 1
                if text.strip() == delimiter:
                    break
                body.append(lines[i - 1])
            bodies.append("\n".join(body))
        heredoc_line = first_line + start + logical.count("\n") + 1
        out.extend(
            _split_logical(
                logical, first_line + start, depth, nested, wrappers, bodies, heredoc_line, loops
            )
        )
    return out


def _quote_after(text: str, quote: str) -> str:
    """The quote still open at the end of `text` when it starts inside `quote` ("" none)."""
    escaped = False
    for index, ch in enumerate(text):
        if escaped:
            escaped = False
        elif quote == "'":
            if ch == "'":
                quote = ""
        elif ch == "\\":
            escaped = True
        elif quote == '"':
            if ch == '"':
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (index == 0 or text[index - 1] in " \t;&|("):
            return ""
    return quote


_QUOTED = lazy(r"'[^']*'|\"(?:\\.|[^\"\\])*\"")


def _heredocs(text: str) -> list[re.Match[str]]:
    """The `<<EOF` operators of a line, not those inside a quoted string."""
    if "<<" not in text:
        return []
    spans = [m.span() for m in _QUOTED.finditer(text)]
    return [m for m in _HEREDOC.finditer(text) if not any(a < m.start() < b for a, b in spans)]


def _prescan(text: str) -> tuple[str, list[str]]:
    """One pass over a logical line outside quotes: comments dropped, newlines made `;`, and
    `$(...)`, `<(...)` and backtick bodies taken out (each replaced by a marker word).
    Returns the text and the bodies."""
    bodies: list[str] = []
    out: list[str] = []
    i = 0
    in_double = False
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "'" and not in_double:
            end = text.find("'", i + 1)
            end = n - 1 if end < 0 else end
            out.append(text[i : end + 1])
            i = end + 1
            continue
        if ch == "\\" and i + 1 < n:
            out.append(text[i : i + 2])
            i += 2
            continue
        if ch == '"':
            in_double = not in_double
        elif not in_double and ch == "#" and (i == 0 or text[i - 1] in " \t;&|(\n"):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif not in_double and ch == "\n":
            out.append(" ; ")
            i += 1
            continue
        placeholder = _PLACEHOLDER.match(text, i) if ch == "<" and not in_double else None
        if placeholder and (i == 0 or text[i - 1] in " \t="):
            # `release.sh <version> <environment>`: a placeholder of the docs, not a redirect.
            out.append(f"'{placeholder.group(0)}'")
            i = placeholder.end()
            continue
        if len(bodies) >= MAX_SUBSTITUTIONS and ch in "$<>`":
            out.append(ch)
            i += 1
            continue
        if ch in "$<>" and text.startswith("(", i + 1) and not text.startswith("((", i + 1):
            depth, j = 1, i + 2
            while j < n and depth:
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                j += 1
            bodies.append(text[i + 2 : j - 1] if depth == 0 else text[i + 2 :])
            out.append(f"{_SUBST_MARK}{len(bodies) - 1}")
            i = j
            continue
        if ch == "`":
            end = text.find("`", i + 1)
            end = n if end < 0 else end
            bodies.append(text[i + 1 : end])
            out.append(f"{_SUBST_MARK}{len(bodies) - 1}")
            i = end + 1
            continue
        out.append(ch)
        i += 1
    return "".join(out), bodies


def _tokens(text: str) -> list[str]:
    """Words and operators (`&&`, `|`, `;`, `>`...), quotes removed."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:
        # Unbalanced quotes: white space and the operators are still a fair split.
        bare = text.replace("'", " ").replace('"', " ")
        return re.findall(r"&&|\|\||;;|[;&|()<>]+|[^\s;&|()<>]+", bare)


def _split_logical(
    text: str,
    line: int,
    depth: int,
    nested: bool,
    wrappers: tuple[str, ...],
    heredocs: list[str],
    heredoc_line: int,
    loops: list[int],
) -> list[Invocation]:
    out: list[Invocation] = []
    text, bodies = _prescan(text)
    commands: list[list[str]] = [[]]
    inputs: dict[int, str] = {}  # command index -> heredoc body or here-string
    pending_bodies = list(heredocs)
    tokens = _tokens(text)
    k = 0
    while k < len(tokens):
        token = tokens[k]
        k += 1
        if token in _SEPARATORS or set(token) <= set(";&|()"):
            commands.append([])
            continue
        if ("<" in token or ">" in token) and _REDIRECT.match(token):
            current = commands[-1]
            if current and current[-1].isdigit():
                current.pop()  # the fd of `2>&1`
            target = tokens[k] if k < len(tokens) else ""
            k += 1  # the redirect's target word is not an argument
            if token.endswith("<<<"):
                inputs[len(commands) - 1] = target
            elif token.endswith(("<<", "<<-")) and pending_bodies:
                inputs[len(commands) - 1] = pending_bodies.pop(0)
            continue
        commands[-1].append(token)
    for index, words in enumerate(commands):
        words = [w for w in words if w]
        if words and words[0] in _LOOP_HEADS:
            loops[0] += 1
        elif words and words[0] == "done":
            loops[0] = max(0, loops[0] - 1)
        in_loop = loops[0] > 0
        if not words or tool_name(words[0]) in _SKIP_COMMANDS:
            # `for x in a b; do` - the loop head is not a command; the body follows `;`.
            continue
        words = _expand_marks(words, bodies, line, depth, out)
        argv, env, peeled, nested_scripts = _peel(words)
        all_wrappers = (*wrappers, *peeled)
        for script in nested_scripts:
            out.extend(_split(script, line, depth + 1, True, all_wrappers, in_loop))
        heredoc = inputs.get(index, "")
        if argv and heredoc and _reads_script_from_stdin(argv):
            # `bash <<EOF`, `sudo sh -s <<EOF`: the body is commands.
            name = tool_name(argv[0])
            out.extend(
                _split(heredoc, heredoc_line, depth + 1, True, (*all_wrappers, name), in_loop)
            )
            continue
        if not argv or (_may_be_prose(argv[0]) and _NOT_A_COMMAND.match(argv[0])):
            continue
        out.append(
            Invocation(
                argv=tuple(argv),
                env=tuple(env),
                wrappers=all_wrappers,
                line=line,
                text=shlex.join(words)[:500],
                nested=nested,
                heredoc=heredoc,
                in_loop=in_loop,
            )
        )
    return out


def _reads_script_from_stdin(argv: list[str]) -> bool:
    return tool_name(argv[0]) in _SHELLS and all(w.startswith("-") for w in argv[1:])


def _expand_marks(
    words: list[str], bodies: list[str], line: int, depth: int, out: list[Invocation]
) -> list[str]:
    """Split each `$(...)` body found in `words` as nested commands; the word keeps a
    placeholder so `kubectl delete pod $(kubectl get pods -o name)` stays one delete."""
    if not bodies:
        return words
    result = []
    for word in words:
        for match in _MARK.finditer(word):
            k = int(match.group(1))
            if k < len(bodies) and bodies[k].strip():
                out.extend(_split(bodies[k], line, depth + 1, True, ()))
        result.append(_MARK.sub("$(...)", word))
    return result
