"""Write rev18's data files into /tmp/rev18/data (or $REV18_DATA).

  subjects20k.json   20,000 departments as JSON records (gen.py 'bureau')
  bureau5k.csv       5,000 of them as a bureau's GBK CSV: a title row, Chinese headers with units,
                     one column a year for the series, a 合计 row at the bottom
  table200k.parquet, table1m.parquet   colgen.py tables (typed columns, year columns)
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys

import pyarrow.parquet as pq

import colgen
import gen

DATA = os.environ.get("REV18_DATA", "/tmp/rev18/data")

TITLES = {  # header a bureau writes for each input (title + unit), series one column a year
    "budget_initial": "年初预算数（万元）", "budget_final": "全年预算数（万元）", "executed": "全年执行数（万元）",
    "executed_h1": "上半年执行数（万元）", "adjust_amt": "预算调整数（万元）", "carryover": "结转结余总额（万元）",
    "basic_exp": "基本支出（万元）", "project_exp": "项目支出（万元）", "detail_amt": "细化编制金额（万元）",
    "proj_total": "项目总数", "proj_in_lib": "入库项目数", "perf_cover": "绩效目标覆盖率（%）",
    "disclosed_budget": "按规定公开部门预算", "disclosed_final": "按规定公开部门决算", "disclosed_perf": "按规定公开绩效信息",
    "verdict": "绩效目标合理性评审等次", "goal_ratio": "评审给出的得分比例", "clear_tier": "绩效指标明确性评审等次",
    "three_public_budget": "三公经费预算数（万元）", "three_public_actual": "三公经费实际支出数（万元）",
    "staff_actual": "在职人员数", "staff_authorised": "编制数", "procure_plan": "政府采购预算数（万元）",
    "procure_actual": "政府采购执行数（万元）", "sys_finance": "财务管理制度健全", "sys_asset": "资产管理制度健全",
    "sys_procure": "采购管理制度健全", "sys_contract": "合同管理制度健全", "assets_total": "固定资产总额（万元）",
    "assets_used": "在用固定资产（万元）", "audit_issues": "审计发现问题数", "audit_fixed": "已整改问题数",
    "monitor_times": "绩效运行监控次数", "road_km_plan": "计划养护里程", "road_km_done": "完成养护里程",
    "rural_km_plan": "农村公路计划新改建里程", "rural_km_done": "农村公路完成新改建里程", "bridge_plan": "危桥改造计划数",
    "bridge_done": "危桥改造完成数", "bus_plan": "计划新开公交线路", "bus_new": "新开公交线路",
    "signs_rate": "交通标志标线完好率（%）", "quality_rate": "工程质量合格率（%）", "pqi": "路面使用性能指数PQI",
    "ontime_rate": "项目按期完工率（%）", "pay_rate": "资金拨付及时率（%）", "unit_cost_plan": "每公里养护计划成本（元）",
    "unit_cost_actual": "每公里养护实际成本（元）", "cost_budget": "项目成本预算数（万元）", "cost_actual": "项目实际成本（万元）",
    "accidents": "安全生产责任事故数", "level": "预算级次", "congestion_drop": "高峰拥堵指数下降率（%）",
    "overload_rate": "货车超限率（%）", "maint_tier": "长效管护机制评审等次", "maint_score": "长效管护评审得分",
    "ev_buses": "新能源公交车数", "total_buses": "公交车总数", "sat_public": "社会公众满意度（%）",
    "sat_firm": "运输企业满意度（%）", "complaints": "投诉件数", "complaints_closed": "投诉办结件数",
    "reported_rate": "自评报告所列预算执行率（%）", "low_exec_reason": "预算执行率偏低原因说明",
    "major_accident": "发生重大安全责任事故",
}
SERIES = {"exec_hist": "预算执行率", "pax_hist": "公共交通客运量"}
YEARS = (2023, 2024, 2025)


def _cell(x):
    if x is None:
        return ""
    if x is True:
        return "是"
    if x is False:
        return "否"
    return str(x)


def write_csv(recs, path, encoding="gbk"):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    head = ["单位编码", "单位名称"] + list(TITLES.values()) + [f"{y}年{t}" for s, t in SERIES.items() for y in YEARS]
    w.writerow(["2025年度市交通运输局部门整体支出绩效自评汇总表"] + [""] * (len(head) - 1))
    w.writerow(head)
    for r in recs:
        v = r["values"]
        row = [r["id"], r["name"]] + [_cell(v.get(k)) for k in TITLES]
        for s in SERIES:
            ser = v.get(s)
            for y in YEARS:
                row.append(_cell(ser.get(y, ser.get(str(y)))) if isinstance(ser, dict) else "")
        w.writerow(row)
    w.writerow(["合计", ""] + [""] * (len(head) - 2))
    with open(path, "w", encoding=encoding, newline="") as f:
        f.write(buf.getvalue())


def main():
    os.makedirs(DATA, exist_ok=True)
    what = sys.argv[1:] or ["json", "csv", "parquet"]
    if "json" in what:
        recs = gen.records(20000, family="bureau")
        with open(os.path.join(DATA, "subjects20k.json"), "w", encoding="utf-8") as f:
            json.dump(recs, f, ensure_ascii=False, default=str)
        print("subjects20k.json")
    if "csv" in what:
        recs = gen.records(5000, family="bureau")
        write_csv(recs, os.path.join(DATA, "bureau5k.csv"))
        with open(os.path.join(DATA, "bureau5k.json"), "w", encoding="utf-8") as f:
            json.dump(recs, f, ensure_ascii=False, default=str)
        print("bureau5k.csv (GBK), bureau5k.json")
    if "parquet" in what:
        for rows, name in ((200_000, "table200k.parquet"), (1_000_000, "table1m.parquet")):
            pq.write_table(colgen.table(rows), os.path.join(DATA, name), row_group_size=131072)
            print(name)


if __name__ == "__main__":
    main()
