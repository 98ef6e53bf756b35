// Chi-square test of independence for a table typed by hand; the same
// calculation as `werkkans stats chi2 --table "12 30 / 7 41"`.
function wkLnGamma(z) {
  var c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
           -176.61502916214059, 12.507343278686905, -0.13857109526572012,
           9.9843695780195716e-6, 1.5056327351493116e-7];
  if (z < 0.5) { return Math.log(Math.PI / Math.sin(Math.PI * z)) - wkLnGamma(1 - z); }
  z -= 1;
  var x = c[0];
  for (var i = 1; i < 9; i++) { x += c[i] / (z + i); }
  var t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(x);
}

// Upper regularised incomplete gamma function Q(a, x).
function wkGammaQ(a, x) {
  if (x <= 0) { return 1; }
  var front = Math.exp(-x + a * Math.log(x) - wkLnGamma(a));
  if (x < a + 1) {
    var ap = a, sum = 1 / a, del = sum;
    for (var n = 0; n < 1000; n++) {
      ap += 1; del *= x / ap; sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-15) { break; }
    }
    return Math.max(0, 1 - sum * front);
  }
  var tiny = 1e-300, b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (var i = 1; i < 1000; i++) {
    var an = -i * (i - a);
    b += 2;
    d = an * d + b; if (Math.abs(d) < tiny) { d = tiny; }
    c = b + an / c; if (Math.abs(c) < tiny) { c = tiny; }
    d = 1 / d;
    var step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) { break; }
  }
  return front * h;
}

function wkParseTable(text) {
  var rows = [];
  var rawRows = text.split(/[\/;\n]/);
  for (var r = 0; r < rawRows.length; r++) {
    var cells = rawRows[r].trim().split(/[ ,\t]+/).filter(function (s) { return s.length > 0; });
    if (cells.length === 0) { continue; }
    var row = [];
    for (var k = 0; k < cells.length; k++) {
      if (!/^[0-9]+$/.test(cells[k])) {
        throw new Error("rij " + (rows.length + 1) + ", kolom " + (k + 1) + ": '" + cells[k] +
                        "' is geen heel getal");
      }
      row.push(parseInt(cells[k], 10));
    }
    if (rows.length && row.length !== rows[0].length) {
      throw new Error("rij " + (rows.length + 1) + " heeft " + row.length + " cellen, rij 1 heeft er " +
                      rows[0].length);
    }
    rows.push(row);
  }
  if (rows.length < 2 || rows[0].length < 2) { throw new Error("minstens 2 rijen en 2 kolommen nodig"); }
  return rows;
}

function wkChi2(rows) {
  var R = rows.length, C = rows[0].length, n = 0, rowSum = [], colSum = [];
  for (var j = 0; j < C; j++) { colSum.push(0); }
  for (var i = 0; i < R; i++) {
    rowSum.push(0);
    for (j = 0; j < C; j++) { rowSum[i] += rows[i][j]; colSum[j] += rows[i][j]; n += rows[i][j]; }
    if (rowSum[i] === 0) { throw new Error("rij " + (i + 1) + " telt op tot 0"); }
  }
  for (j = 0; j < C; j++) { if (colSum[j] === 0) { throw new Error("kolom " + (j + 1) + " telt op tot 0"); } }
  var chi2 = 0;
  for (i = 0; i < R; i++) {
    for (j = 0; j < C; j++) {
      var e = rowSum[i] * colSum[j] / n;
      chi2 += (rows[i][j] - e) * (rows[i][j] - e) / e;
    }
  }
  var df = (R - 1) * (C - 1);
  return { chi2: chi2, df: df, p: wkGammaQ(df / 2, chi2 / 2) };
}

function wkChi2Form(event) {
  if (event) { event.preventDefault(); }
  var out = document.getElementById("chi2-result");
  try {
    var res = wkChi2(wkParseTable(document.getElementById("chi2-table").value));
    out.textContent = "chi-kwadraat = " + res.chi2.toFixed(2).replace(".", ",") + ", df = " + res.df +
      ", p = " + (res.p < 0.001 ? "< 0,001" : res.p.toFixed(3).replace(".", ","));
  } catch (err) {
    out.textContent = "fout: " + err.message;
  }
  return false;
}

if (typeof module !== "undefined") { module.exports = { wkChi2: wkChi2, wkParseTable: wkParseTable }; }
