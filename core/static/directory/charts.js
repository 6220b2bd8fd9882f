// Charts and the map of Liaoning, drawn with Apache ECharts (served by the app).
// Data comes from <script type="application/json"> blocks; no inline script, no eval.
(function () {
  "use strict";

  function readJSON(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function markRendered(chart, el) {
    chart.on("finished", function () {
      el.dataset.rendered = "1";
    });
  }

  function go(url) {
    if (url) window.location.assign(url);
  }

  function chartOption(data) {
    const many = data.series.length > 1;
    const series = data.series.map(function (s) {
      return {
        name: s.name,
        type: data.kind === "line" ? "line" : "bar",
        data: s.values,
        smooth: data.kind === "line",
        areaStyle: data.kind === "line" ? { opacity: 0.15 } : undefined,
        barMaxWidth: 28,
        emphasis: { focus: "series" },
      };
    });
    const option = {
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 24, top: many ? 36 : 12, bottom: 8, containLabel: true },
      legend: many ? { top: 0 } : undefined,
      series: series,
    };
    const category = { type: "category", data: data.labels, axisLabel: { hideOverlap: true } };
    const value = { type: "value", minInterval: 1 };
    if (data.kind === "line") {
      option.xAxis = category;
      option.yAxis = value;
    } else {
      // Horizontal bars keep long (Chinese or English) labels readable.
      option.yAxis = Object.assign({}, category, { inverse: true });
      option.xAxis = value;
    }
    return option;
  }

  function drawCharts() {
    document.querySelectorAll(".chart[data-chart-data]").forEach(function (el) {
      const data = readJSON(el.dataset.chartData);
      if (!data) return;
      const rows = data.labels.length;
      if (data.kind !== "line") el.style.height = Math.max(180, 60 + rows * 26 * data.series.length) + "px";
      const chart = echarts.init(el);
      markRendered(chart, el);
      chart.setOption(chartOption(data));
      chart.on("click", function (params) {
        go((data.urls || [])[params.dataIndex]);
      });
    });
  }

  function drawMap() {
    const el = document.getElementById("liaoning-map");
    if (!el) return;
    const data = readJSON(el.dataset.mapData);
    const select = document.getElementById("map-figure");
    const labelFormat = el.dataset.labelFormat || "%(title)s: %(value)s";
    fetch(el.dataset.geojson, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("map " + response.status);
        return response.json();
      })
      .then(function (geojson) {
        echarts.registerMap("liaoning", geojson);
        const nameMap = {};
        data.cities.forEach(function (c) {
          nameMap[c.name] = c.label;
        });
        const chart = echarts.init(el);
        markRendered(chart, el);

        function render() {
          const figure = select ? select.value : data.figures[0].key;
          const items = data.cities.map(function (c) {
            return { name: c.label, value: c.values[figure], code: c.code, url: c.urls[figure] };
          });
          const max = Math.max(1, ...items.map(function (i) { return i.value; }));
          chart.setOption({
            animation: false,
            tooltip: {
              trigger: "item",
              formatter: function (p) {
                // The page's rule for a label and its value (core.formats.labelled).
                const parts = {
                  title: echarts.format.encodeHTML(p.name),
                  value: echarts.format.addCommas(p.value || 0),
                };
                return labelFormat.replace(/%\((title|value)\)s/g, function (_m, key) {
                  return parts[key];
                });
              },
            },
            visualMap: {
              min: 0, max: max, left: 8, bottom: 8, calculable: true,
              inRange: { color: ["#e8f1fa", "#1d5fa5"] },
            },
            series: [{
              type: "map", map: "liaoning", nameMap: nameMap, roam: false,
              label: { show: true, fontSize: 10 },
              emphasis: { label: { show: true } },
              data: items,
            }],
          }, { replaceMerge: ["series"] });
          el.dataset.shade = figure;
        }

        render();
        const series = chart.getModel().getSeriesByIndex(0);
        const regions = series && series.coordinateSystem ? series.coordinateSystem.regions : [];
        el.dataset.regions = String(regions.length);
        el.dataset.regionCodes = data.cities.filter(function (c) {
          return regions.some(function (r) { return r.name === c.label; });
        }).map(function (c) { return c.code; }).join(",");
        chart.on("click", function (params) {
          if (params.data) go(params.data.url);
        });
        if (select) select.addEventListener("change", render);
      })
      .catch(function (error) {
        el.dataset.error = String(error);
        el.textContent = el.dataset.errorText || "";
      });
  }

  function enableDownloads() {
    document.querySelectorAll('[data-download="png"]').forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        const target = document.getElementById(button.dataset.for);
        const chart = target && echarts.getInstanceByDom(target);
        if (!chart) return;
        const link = document.createElement("a");
        link.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
        link.download = button.dataset.for + ".png";
        document.body.appendChild(link);
        link.click();
        link.remove();
      });
    });
  }

  function start() {
    if (typeof window.echarts === "undefined") return; // assets not installed
    drawCharts();
    drawMap();
    enableDownloads();
    window.addEventListener("resize", function () {
      document.querySelectorAll(".chart, #liaoning-map").forEach(function (el) {
        const chart = echarts.getInstanceByDom(el);
        if (chart) chart.resize();
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
