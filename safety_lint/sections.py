"""Sections of a parsed document: a heading and everything under it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from .model import Block, Section
from .rulepack import SectionSpec
from .text import heading_key


def split_sections(blocks: Sequence[Block]) -> list[Section]:
    """Every counting heading opens a section that runs to the next heading of the same or a
    higher level. Headings inside code, comments or quotes open nothing."""
    headings = [i for i, b in enumerate(blocks) if b.type == "heading" and b.counts]
    result = []
    for n, start in enumerate(headings):
        level = blocks[start].level
        end = len(blocks)
        for later in headings[n + 1 :]:
            if blocks[later].level <= level:
                end = later
                break
        result.append(Section(blocks[start], tuple(blocks[start + 1 : end])))
    return result


@lru_cache(maxsize=64)
def _key(heading: str) -> str:
    return heading_key(heading)


def matches(section: Section, spec: SectionSpec) -> bool:
    return section.heading.norm.strip(" #") == _key(spec.heading)


def find_section(sections: Sequence[Section], spec: SectionSpec) -> Section | None:
    """The first section with the required heading at the required level."""
    return next((s for s in sections if matches(s, spec) and s.heading.level == spec.level), None)


def find_misleveled(sections: Sequence[Section], spec: SectionSpec) -> Section | None:
    """The required heading at the wrong level, to say so instead of 'missing'."""
    return next((s for s in sections if matches(s, spec) and s.heading.level != spec.level), None)
