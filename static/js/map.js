// Choropleth of the current search: world-atlas countries (vendored TopoJSON) drawn as plain SVG,
// shaded by number of projects or USD budget, with a legend and a click-through to each country.
(() => {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const WIDTH = 1000;
  const HEIGHT = 500;
  const CLASSES = 5;
  // Equirectangular, cropped to 84N..58S: Antarctica holds no project and would take a fifth of the map.
  const NORTH = 84;
  const SOUTH = -58;

  const project = ([lon, lat]) => [
    ((lon + 180) / 360) * WIDTH,
    ((NORTH - lat) / (NORTH - SOUTH)) * HEIGHT,
  ];

  function ringPath(ring) {
    return ring.map((point, i) => {
      const [x, y] = project(point);
      return `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`;
    }).join("") + "Z";
  }

  function geometryPath(geometry) {
    if (!geometry) return "";
    const polygons = geometry.type === "Polygon" ? [geometry.coordinates]
      : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
    return polygons.map((polygon) => polygon.map(ringPath).join("")).join("");
  }

  // Class breaks at quantiles of the values, so a few very large budgets do not wash out the rest.
  function breaks(values) {
    const sorted = [...values].sort((a, b) => a - b);
    const unique = [];
    for (let i = 1; i < CLASSES; i += 1) {
      const value = sorted[Math.floor((i * sorted.length) / CLASSES)];
      if (value !== undefined && !unique.includes(value)) unique.push(value);
    }
    return unique;
  }

  const classOf = (value, limits) => {
    let index = 0;
    while (index < limits.length && value >= limits[index]) index += 1;
    return Math.min(index + (CLASSES - 1 - limits.length), CLASSES - 1);
  };

  // Numbers and dollars in the page's language (<html lang>), as the server formats the table.
  const language = document.documentElement.lang || "en";
  const dollars = new Intl.NumberFormat(language, { style: "currency", currency: "USD", maximumFractionDigits: 0 });
  const format = (value, measure) => measure === "budget"
    ? dollars.format(Math.round(value))
    : Math.round(value).toLocaleString(language);

  function legend(container, limits, values, measure) {
    container.textContent = "";
    if (!values.length) return;
    const min = Math.min(...values);
    const max = Math.max(...values);
    const bounds = [min, ...limits, max];
    const offset = CLASSES - 1 - limits.length;
    for (let i = 0; i < bounds.length - 1; i += 1) {
      if (bounds[i + 1] <= bounds[i] && i < bounds.length - 2) continue; // an empty class: no value is in it
      const item = document.createElement("span");
      const swatch = document.createElement("span");
      swatch.className = `swatch q${i + offset}`;
      // A class holds [bound, next bound), the last one its top too (classOf): whole projects or dollars, so a
      // class ends one below the next one's start and no value reads as belonging to two classes.
      const last = i === bounds.length - 2;
      const low = Math.round(bounds[i]);
      const high = last ? Math.round(bounds[i + 1]) : Math.max(low, Math.round(bounds[i + 1]) - 1);
      item.append(swatch, `${format(low, measure)}${high !== low ? ` – ${format(high, measure)}` : ""}`);
      container.append(item);
    }
    const none = document.createElement("span");
    const swatch = document.createElement("span");
    swatch.className = "swatch none";
    none.append(swatch, document.getElementById("map").dataset.textNone || "no project");
    container.append(none);
  }

  async function draw(element) {
    const measure = element.dataset.measure === "budget" ? "budget" : "count";
    const [topology, figures] = await Promise.all([
      fetch(element.dataset.geography).then((r) => r.json()),
      fetch(element.dataset.source, { credentials: "same-origin" }).then((r) => r.json()),
    ]);
    const byNumeric = new Map(figures.filter((f) => f.numeric).map((f) => [f.numeric, f]));
    const value = (f) => (measure === "budget" ? f.budget_usd : f.count);
    const values = figures.map(value).filter((v) => v > 0);
    const limits = breaks(values);

    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
    svg.setAttribute("focusable", "false");
    const countries = topojson.feature(topology, topology.objects.countries).features;
    for (const feature of countries) {
      const path = document.createElementNS(SVG, "path");
      path.setAttribute("d", geometryPath(feature.geometry));
      const figure = byNumeric.get(String(feature.id).padStart(3, "0"));
      const title = document.createElementNS(SVG, "title");
      if (figure && value(figure) > 0) {
        path.setAttribute("class", `has-data q${classOf(value(figure), limits)}`);
        path.setAttribute("tabindex", "0");
        path.setAttribute("data-iso3", figure.iso3);
        title.textContent = figure.label || `${figure.name}: ${figure.count}`;
        const go = () => { window.location.href = `${element.dataset.search}?${figure.search}`; };
        path.addEventListener("click", go);
        path.addEventListener("keydown", (event) => { if (event.key === "Enter") go(); });
      } else {
        title.textContent = feature.properties && feature.properties.name ? feature.properties.name : "";
      }
      path.append(title);
      svg.append(path);
    }
    element.textContent = "";
    element.append(svg);
    legend(document.getElementById("map-legend"), limits, values, measure);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const element = document.getElementById("map");
    if (!element) return;
    draw(element).catch(() => {
      element.textContent = element.dataset.textError || "The map could not be drawn; the table below holds the same figures.";
    });
  });
})();
