"""A forgiving HTML element tree that keeps each element's offsets in the page source.

Built with the standard library's :class:`html.parser.HTMLParser`: stray end tags are
ignored, unclosed tags are closed, and hostile pages (deep nesting, stray end tags,
unterminated comments, ``<![`` sections) do not take quadratic time. Offsets let callers cut the original markup of an
element, or of its inside with some descendants replaced (:func:`inner_html`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

from vintage_ai_assets.text import strip_markup

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)


@dataclass(eq=False)
class Node:
    """An element with its source offsets: ``source[start:end]`` is its whole markup."""

    tag: str
    attrs: dict[str, str]
    start: int
    inner_start: int
    inner_end: int = -1
    end: int = -1
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)

    def has_class(self, name: str) -> bool:
        return name in self.attrs.get("class", "").split()

    def walk(self, prune: NodeTest | None = None) -> Iterator[Node]:
        """Descendants in document order; the subtree of a node ``prune`` accepts is skipped."""
        stack = list(reversed(self.children))
        while stack:
            node = stack.pop()
            yield node
            if prune is None or not prune(node):
                stack.extend(reversed(node.children))

    def find(self, match: NodeTest, prune: NodeTest | None = None) -> Node | None:
        return next((n for n in self.walk(prune) if match(n)), None)

    def find_all(self, match: NodeTest, prune: NodeTest | None = None) -> list[Node]:
        return [n for n in self.walk(prune) if match(n)]


NodeTest = Callable[[Node], bool]


class _TreeBuilder(HTMLParser):
    """A forgiving tree of the page: stray end tags are ignored, unclosed tags closed.

    It counts the open elements per tag, so a stray end tag costs nothing however deep
    the page nests (walking the stack for each would be quadratic on hostile pages).
    """

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.root = Node("#root", {}, 0, 0)
        self._stack = [self.root]
        self._open_tags: dict[str, int] = {}

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def _open(self, tag: str, attrs: list[tuple[str, str | None]], void: bool) -> None:
        start = self._offset()
        inner = start + len(self.get_starttag_text() or "")
        parent = self._stack[-1]
        node = Node(tag, {k: v or "" for k, v in attrs}, start, inner, parent=parent)
        parent.children.append(node)
        if void:
            node.inner_end = node.end = inner
        else:
            self._stack.append(node)
            self._open_tags[tag] = self._open_tags.get(tag, 0) + 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open(tag, attrs, tag in _VOID)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open(tag, attrs, True)

    def handle_endtag(self, tag: str) -> None:
        if not self._open_tags.get(tag):
            return  # a stray end tag
        for depth in range(len(self._stack) - 1, 0, -1):
            if self._stack[depth].tag == tag:
                offset = self._offset()
                close = self.source.find(">", offset)
                end = close + 1 if close >= 0 else len(self.source)
                for node in self._stack[depth + 1 :]:  # closed implicitly
                    node.inner_end = node.end = offset
                self._stack[depth].inner_end = offset
                self._stack[depth].end = end
                for node in self._stack[depth:]:
                    self._open_tags[node.tag] -= 1
                del self._stack[depth:]
                return

    def finish(self) -> Node:
        self.close()
        for node in self._stack[1:]:
            node.inner_end = node.end = len(self.source)
        self.root.inner_end = self.root.end = len(self.source)
        return self.root


def build_tree(html: str) -> Node:
    """The element tree of a page.

    What the parser is fed differs from ``html`` only where offsets cannot shift: ``<![``
    becomes ``<?[`` (a bogus comment up to the next ``>``, as browsers read it; the stdlib
    parser raises on most ``<![`` sections), and a closing ``<!---->`` is appended so that
    an unterminated comment or tag ends there instead of being rescanned at every ``<``
    after it (quadratic time on hostile pages).
    """
    builder = _TreeBuilder(html)
    builder.feed(html.replace("<![", "<?["))
    builder.feed("<!---->")
    return builder.finish()


def inner_html(source: str, node: Node, replace: Callable[[Node], str | None] | None = None) -> str:
    """The markup inside ``node``; a descendant for which ``replace`` gives a string is
    swapped for it (the string is inserted as is, so use ``""`` to remove)."""
    cuts: list[tuple[int, int, str]] = []
    if replace is not None:
        stack = list(reversed(node.children))
        while stack:
            child = stack.pop()
            substitute = replace(child)
            if substitute is not None:
                cuts.append((child.start, child.end, substitute))
            else:
                stack.extend(reversed(child.children))
    pieces: list[str] = []
    position = node.inner_start
    for start, end, substitute in cuts:  # document order, never nested
        pieces.append(source[position:start])
        pieces.append(substitute)
        position = max(position, end)
    pieces.append(source[position : max(position, node.inner_end)])
    return "".join(pieces)


def node_text(source: str, node: Node | None) -> str:
    return strip_markup(inner_html(source, node)) if node is not None else ""
