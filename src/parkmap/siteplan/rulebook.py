"""The standards one layout applies, and the caption notes that name them.

A :class:`Rulebook` gathers what :func:`parkmap.siteplan.layout` decides once per run:
the local profile (default: the park's own, ``cq318`` for Dianjiang), the indicator
ruleset with its status and confidence, the fire classes of the templates, the
plot-size cap of the profile, and every assumption made on the way (industry codes read
in another edition, an office sized by the 2008 admin share). Each becomes an (English,
Chinese) note printed in every rendering of the layout ("no silent number").
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from parkmap.errors import RulesError
from parkmap.siteplan.fire import fire_rule, fire_spacing_m
from parkmap.siteplan.indicators import IndicatorRules
from parkmap.siteplan.profiles import (
    Profile,
    crosswalk_2002_2017,
    default_profile,
    fallback_admin_share,
    profile,
    ruleset_info,
)
from parkmap.siteplan.standards import BuildingTemplate, PlotOptions
from parkmap.units import M2_PER_MU

__all__ = ["Rulebook"]


@dataclass
class Rulebook:
    """The standards of one layout run.

    Attributes
    ----------
    profile : Profile
        Local rules (road and boundary setbacks, plot cap).
    rules : IndicatorRules
        The control-indicator ruleset.
    fire_half_m : float
        Half the largest fire spacing between the classes the layout places: every
        building face keeps it from non-road plot edges, so buildings of neighbouring
        plots keep the full spacing.
    lane_width_m : float
        Clear width of a fire lane (GB 50016 7.1.8).
    notes : list of (str, str)
        (English, Chinese) caption lines naming the standards and assumptions.
    """

    profile: Profile
    rules: IndicatorRules
    fire_half_m: float
    lane_width_m: float
    notes: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def build(cls, park, profile_name, rules, factories, office, opts) -> Rulebook:
        """The rulebook of a run: the profile (asked, the park's default, or ``cq318``)."""
        meta = park.metadata
        names = (park.name, str(meta.get("name_en") or ""), str(meta.get("name_zh") or ""))
        default = default_profile(*names)
        chosen = profile_name or default or "cq318"
        templates = [*factories, *([office] if office is not None else [])]
        classes = [t.effective_fire_class(opts.highrise_height_m) for t in templates]
        book = cls(
            profile=profile(chosen),
            rules=rules,
            fire_half_m=max(fire_spacing_m(a, b) for a in classes for b in classes) / 2,
            lane_width_m=fire_rule("fire_lane_width_min_m"),
        )
        if profile_name:
            how, how_zh = "", ""
        elif default:
            how, how_zh = " (the park's default)", "（本园区默认）"
        else:
            how = " (no profile names this park: the Chongqing rules are used)"
            how_zh = "（无本园区规定，按重庆规定）"
        book.note(book.profile.describe("en") + how, book.profile.describe("zh") + how_zh)
        book._ruleset_note()
        book._check_units(factories)
        factory_classes = sorted(
            {t.effective_fire_class(opts.highrise_height_m) for t in factories}
        )
        assumed = "C_12" in factory_classes
        book.note(
            f"Fire code (GB 50016 3.4.1, 5.2.2): factories {', '.join(factory_classes)}"
            + (" (丙类 assumed: set fire_class per template)" if assumed else "")
            + "; the office block is a civil building, 6 m from its own plot's 丙/丁/戊 "
            "factories (3.4.1 note 1); existing buildings: offices civil, others 丙类 "
            "unless the layer has fire_class; fire lanes "
            f"{book.lane_width_m:g} m along both long sides where GB 55037 3.4.2 asks",
            f"防火（GB 50016 3.4.1、5.2.2）：厂房 {'、'.join(factory_classes)}"
            + ("（按丙类假定，可逐模板设定）" if assumed else "")
            + "；办公楼按民用建筑，与本地块丙、丁、戊类厂房间距 6 米（3.4.1 注1）；现状建筑："
            "办公按民用，其余按丙类（图层有 fire_class 时从之）；GB 55037 3.4.2 要求处沿两条"
            f"长边设 {book.lane_width_m:g} 米消防车道",
        )
        return book

    def note(self, en: str, zh: str) -> None:
        """Add a caption line once."""
        if (en, zh) not in self.notes:
            self.notes.append((en, zh))

    def _check_units(self, factories) -> None:
        """A standard-factory floor must hold the profile's smallest unit (art. 37)."""
        try:
            unit = self.profile.value("standard_factory_unit_min_m2")
        except RulesError:
            return
        for t in factories:
            if t.kind == "standard_factory" and t.width_m * t.length_m < unit:
                article = self.profile.articles["standard_factory_unit_min_m2"]
                raise RulesError(
                    f"template {t.template}: a floor of {t.width_m * t.length_m:g} m² cannot "
                    f"hold the {unit:g} m² smallest standard-factory unit "
                    f"({self.profile.name} art. {article})"
                )

    def _ruleset_note(self) -> None:
        rules = self.rules
        try:
            info = ruleset_info(rules.ruleset)
        except RulesError:
            self.note(
                f"Ruleset {rules.ruleset}: a local table ({rules.source})",
                f"控制指标 {rules.ruleset}：地方表（{rules.source}）",
            )
            return
        default = " (the default)" if ruleset_info()["ruleset"] == rules.ruleset else ""
        self.note(
            f"Ruleset {rules.ruleset}{default}: {info['status']}; values: {info['values']}; "
            f"confidence {info['confidence']}",
            f"控制指标 {rules.ruleset}：{info['name_zh']}；{info['status']}；"
            f"可信度 {info['confidence']}",
        )

    def faces(self, template: BuildingTemplate, length: float, opts) -> tuple[float, float]:
        """Setbacks of the long faces and of the gables from non-road plot edges, m.

        The largest of the profile's boundary setback for the face (渝府令318号 art. 25:
        the half-spacing of art. 15), ``boundary_setback_min_m`` (GB 50016 3.4.12) and
        :attr:`fire_half_m`.
        """
        height = template.height_m
        long_side, short_side = max(length, template.width_m), min(length, template.width_m)
        main = self.profile.boundary_setback_m(height, long_side, face="main")
        gable = self.profile.boundary_setback_m(height, short_side, face="gable")
        floor = max(opts.boundary_setback_min_m, self.fire_half_m)
        return max(main, floor), max(gable, floor)

    def capped(self, opts: PlotOptions) -> PlotOptions:
        """Options with the largest plot capped by the profile (渝府令318号 art. 74)."""
        try:
            cap = self.profile.value("plot_area_max_m2") / M2_PER_MU
        except RulesError:
            return opts
        if opts.plot_area_max_mu <= cap + 1e-9:
            return opts
        article = self.profile.articles["plot_area_max_m2"]
        self.note(
            f"Largest plot capped at {cap:g} mu ({self.profile.name} art. {article})",
            f"地块面积上限按 {self.profile.name} 第{article}条取 {cap:g} 亩",
        )
        return dataclasses.replace(
            opts,
            plot_area_max_mu=cap,
            plot_area_target_mu=min(opts.plot_area_target_mu, cap),
            plot_area_min_mu=min(opts.plot_area_min_mu, cap),
        )

    def industry_code(self, code) -> str | None:
        """A sub-park's industry code in the ruleset's code edition.

        Park codes are GB/T 4754-2002 divisions (as in the 2008 table); a ruleset keyed
        by GB/T 4754-2017 gets the main division of the crosswalk in
        ``indicators_cn_gy_2008.csv`` (``code_2017``, first entry), with a note.
        """
        if code is None or (not isinstance(code, str) and pd.isna(code)):
            return None
        code = str(code).strip()
        if self.rules.code_edition != "GB/T 4754-2017":
            return code
        mapped = crosswalk_2002_2017().get(code)
        if mapped is None:
            return code
        also = f"; also {', '.join(mapped[1:])}" if len(mapped) > 1 else ""
        self.note(
            f"Industry code {code} (GB/T 4754-2002) read as {mapped[0]} (GB/T 4754-2017) "
            f"for {self.rules.ruleset}{also}",
            f"行业代码 {code}（GB/T 4754-2002）按 {mapped[0]}（GB/T 4754-2017）校核",
        )
        return mapped[0]

    def admin_share(self, code) -> float:
        """Largest admin share for an industry; the 2008 value (noted) if none is given."""
        value = self.rules.thresholds(code)["admin_share_max"]
        if not np.isnan(value):
            return value
        value = fallback_admin_share()
        self.note(
            f"Office blocks sized by the 2008 admin share ≤ {value:.0%} "
            f"({self.rules.ruleset} gives no verified value)",
            f"办公楼按 2008 年行政办公用地比重 ≤ {value:.0%} 确定规模"
            f"（{self.rules.ruleset} 无核实值）",
        )
        return value
