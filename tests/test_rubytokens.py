"""The Ruby tokenizer behind Gemfile pins: what is code, where calls end, and linear time on hostile text."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from lockrisk.errors import ParseError
from lockrisk.manifests.rubytokens import check_syntax, read_gemfile, tokenize

RUBY = shutil.which("ruby")


def gem_names(text: str) -> list[str | None]:
    return [c.name for c in read_gemfile(text).calls]


def kinds(text: str) -> list[tuple[str, str]]:
    lexed = tokenize(text)
    assert lexed.problem is None, lexed.problem
    return [(t.kind, text[t.start:t.end]) for t in lexed.tokens if t.kind != "newline"]


@pytest.mark.parametrize("text, names", [
    pytest.param('x = <<~EOS\n  gem "hidden"\nEOS\ngem "real"\n', ["real"], id="squiggly-heredoc"),
    pytest.param('x = <<-EOS\n  gem "hidden"\n  EOS\ngem "real"\n', ["real"], id="dash-heredoc"),
    pytest.param('x = <<EOS\ngem "hidden"\n  EOS\nEOS\ngem "real"\n', ["real"], id="plain-heredoc-needs-column-0"),
    pytest.param("x = <<~'EOS'\n  #{gem \"hidden\"}\nEOS\ngem \"real\"\n", ["real"], id="quoted-heredoc-id"),
    pytest.param('p(<<A, <<~B); gem "same-line"\ngem "a"\nA\n  gem "b"\n  B\ngem "real"\n', ["same-line", "real"],
                 id="two-heredocs-on-one-line"),
    pytest.param('=begin\ngem "hidden"\n=end\ngem "real"\n', ["real"], id="begin-end"),
    pytest.param('gem "real"\n__END__\ngem "hidden"\n', ["real"], id="end-data"),
    pytest.param('gem "real" # gem "hidden"\n', ["real"], id="comment"),
    pytest.param('x = "gem \\"hidden\\" #{ "}" } # not a comment"\ngem "real"\n', ["real"], id="interpolation-with-brace"),
    pytest.param('x = %w[gem hidden]\ny = %q{gem "hidden" {nested}}\ngem "real"\n', ["real"], id="percent-literals"),
    pytest.param('x = %Q|gem "hidden" #{1}|\ny = %i<a b>\ngem "real"\n', ["real"], id="percent-any-delimiter"),
    pytest.param('x = /gem "hidden"#{1}/i\ngem "real"\n', ["real"], id="regexp"),
    pytest.param('x = y ? 1 : 2\ngem "real"\n', ["real"], id="ternary"),
    pytest.param('group :test do gem "a" end\ngroup(:b) { gem "b" }\n', ["a", "b"], id="one-line-blocks"),
    pytest.param('gem name\ngem "real"\n', [None, "real"], id="dynamic-name"),
    pytest.param('x.gem "not-a-call"\nfoo(gem "nested")\n', [], id="not-statements"),
])
def test_gem_calls_are_found_only_in_code(text: str, names: list) -> None:
    assert gem_names(text) == names
    if RUBY:
        proc = subprocess.run([RUBY, "-c"], input=text.encode(), capture_output=True)
        assert proc.returncode == 0, proc.stderr


def test_a_call_ends_where_its_arguments_end() -> None:
    text = ('gem "a", platforms: [\n  :ruby\n], require: false # done\n'
            'gem("b",\n  ">= 1",\n)\n'
            'gem "c" \\\n  , "~> 2"\n'
            'gem "d", ">= 1" if ENV["X"]\n'
            'gem "e",\n  require: "e"\n')
    calls = {c.name: c for c in read_gemfile(text).calls}
    assert text[calls["a"].start:calls["a"].end] == 'gem "a", platforms: [\n  :ruby\n], require: false'
    assert calls["a"].option_keys == ("platforms", "require")
    assert text[calls["b"].start:calls["b"].end] == 'gem("b",\n  ">= 1",\n)'
    assert [a.tokens[0].value for a in calls["b"].requirements] == [">= 1"]
    assert [a.tokens[0].value for a in calls["c"].requirements] == ["~> 2"]
    assert text[calls["d"].start:calls["d"].end] == 'gem "d", ">= 1"'
    assert text[calls["e"].insert_at - 3:calls["e"].insert_at] == '"e"'


def test_requirements_options_and_code_are_told_apart() -> None:
    text = ('gem "a", VERSION\ngem "b", ">= #{MIN}"\ngem "c", *REQS\ngem "d", :git => "x"\n'
            'gem "e", {\n  path: "."\n}\ngem "f", "1.0", "!= 1.0.1", "require": false\n')
    calls = {c.name: c for c in read_gemfile(text).calls}
    assert calls["a"].dynamic and calls["b"].dynamic and calls["c"].dynamic
    assert not calls["d"].dynamic and calls["d"].option_keys == ("git",)
    assert calls["e"].option_keys == ("path",)
    assert [a.tokens[0].value for a in calls["f"].requirements] == ["1.0", "!= 1.0.1"]
    assert calls["f"].option_keys == ("require",)


def test_literal_kinds() -> None:
    assert kinds("a ? b : :c") == [("name", "a"), ("op", "?"), ("name", "b"), ("op", ":"), ("symbol", ":c")]
    assert kinds('{"k": 1, k2: 2}') == [("op", "{"), ("label", '"k":'), ("number", "1"), ("op", ","),
                                        ("label", "k2:"), ("number", "2"), ("op", "}")]
    assert kinds("x = ?a + 'b\\'c'") == [("name", "x"), ("op", "="), ("string", "?a"), ("op", "+"),
                                         ("string", "'b\\'c'")]
    assert kinds("A::B << c") == [("const", "A"), ("op", "::"), ("const", "B"), ("op", "<<"), ("name", "c")]


def test_boundaries_skip_heredocs_strings_blocks_and_continuations() -> None:
    text = ('source "x"\n'          # 1
            'A = <<~T\n'            # 2
            '  body\n'              # 3 heredoc
            'T\n'                   # 4 heredoc terminator
            'group :t do\n'         # 5
            '  gem "a"\n'           # 6 inside a block
            'end\n'                 # 7 still inside: the `end` closes it
            'B = "two\n'            # 8
            'lines"\n'              # 9 inside a string
            'gem "b", \\\n'         # 10
            '  "1"\n'               # 11 a continued line
            'gem "c",\n'            # 12
            '  require: false\n'    # 13 inside the call
            '=begin\n'              # 14
            'doc\n'                 # 15 inside =begin
            '=end\n'                # 16
            '__END__\n'             # 17
            'data\n')               # 18
    gemfile = read_gemfile(text)
    lines = sorted(text.count("\n", 0, o) + 1 for o in gemfile.boundaries)
    assert lines == [1, 2, 5, 8, 10, 12, 14, 17]
    assert [kind for kind, _ in gemfile.protected] == ["heredoc", "doc", "data"]


@pytest.mark.parametrize("text, message, line", [
    ('gem "a"\nx = "open\n', "a string or literal is not closed", 2),
    ('x = <<~EOS\nbody\n', "the heredoc <<~EOS has no terminating EOS line", 1),
    ('gem "a"\n=begin\nnever ends\n', "=begin without =end", 2),
    ('group :a do\n  gem "a"\n', "a do block opened on line 1 is not closed", 1),
    ('gem("a"\n', "a ( opened on line 1 is not closed", 1),
    ('gem "a"\nend\n', "an `end` closes nothing", 2),
    ('x = [1, 2)\n', "a ) closes nothing", 1),
    ('"#{' * 150 + "\n", "interpolations are nested too deeply", 1),
])
def test_check_syntax_names_the_problem_and_line(text: str, message: str, line: int) -> None:
    with pytest.raises(ParseError) as caught:
        check_syntax(text)
    assert message in caught.value.message and caught.value.line == line
    if RUBY:
        assert subprocess.run([RUBY, "-c"], input=text.encode(), capture_output=True).returncode != 0


def test_a_broken_tail_keeps_what_came_before() -> None:
    gemfile = read_gemfile('gem "a"\nx = \'never closed\ngem "hidden"\n')
    assert [c.name for c in gemfile.calls] == ["a"]
    assert gemfile.unread_from is not None and gemfile.problem_line == 2
    assert max(gemfile.boundaries) <= len('gem "a"\n')


def test_the_incident_gemfile_reads_cleanly() -> None:
    text = (Path(__file__).parent.parent / "fixtures" / "rubygems" / "incident" / "after" / "Gemfile").read_text()
    gemfile = read_gemfile(text)
    assert gemfile.problem is None
    names = [c.name for c in gemfile.calls]
    assert len(names) == 24 and names[0] == "rails" and names[-1] == "webmock"
    assert [c.name for c in gemfile.calls if not c.top_level] == ["debug", "brakeman", "rubocop-rails-omakase",
                                                                   "web-console", "capybara", "selenium-webdriver"]


@pytest.mark.parametrize("shape", [
    pytest.param("group" + " " * 100_000 + "x\n", id="spaces"),
    pytest.param('gem "a" # ' + "#{" * 100_000 + "\n", id="comment"),
    pytest.param("x = %w[" + "a " * 100_000 + "]\n", id="word-list"),
    pytest.param('x = "' + "\\\\" * 100_000 + '"\n', id="escapes"),
    pytest.param('gem "a", ' + "[" * 100_000 + "\n", id="open-brackets"),
    pytest.param("x = <<~A\n" + " A\n" * 50_000 + "A\n", id="heredoc-near-misses"),
    pytest.param('gem "a",\n' * 20_000 + 'gem "b"\n', id="long-call"),
    pytest.param("x = \"" + "#{'" * 90 + "'}" * 90 + "\"\n" * 1_000, id="interpolations"),
    pytest.param("=begin\n" + "=en\n" * 50_000 + "=end\n", id="begin-near-misses"),
])
def test_hostile_text_is_read_in_linear_time(shape: str) -> None:
    started = time.monotonic()
    read_gemfile(shape)
    assert time.monotonic() - started < 2.0
