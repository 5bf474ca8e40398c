/// One page view as the dwell model sees it: what was known when the view began (page, previous page,
/// position, the visitor's past), and its dwell: observed (time to the next view of the session), or
/// censored for a session's last view.
///
/// Censoring: a session's last view has no next view, so its dwell is not observed. Server logs give no
/// lower bound for it (the visitor may have closed the tab at once), except when the log ended while the
/// session could still have gone on (its last view less than `openMillis`, the session timeout, before
/// the log's end): then the visitor stayed at least until the log's end, and `dwell` holds that lower
/// bound ("at least this long"). Otherwise the bound is 0, which adds nothing to a likelihood.
public struct DwellView: Sendable {
    public var time: Int64
    public var sessionStart: Int64
    public var visitor: Int32
    public var page: Int32
    /// Previous page of the session, -1 at the entry.
    public var previous: Int32
    /// 0-based position in the session.
    public var position: Int32
    /// The visitor's views before this one, earlier sessions included.
    public var viewsBefore: Int32
    public var sessionsBefore: Int32
    public var channel: UInt8
    public var device: UInt8
    public var hour: UInt8
    /// 0 Monday ... 6 Sunday (UTC).
    public var weekday: UInt8
    /// Median observed dwell of the visitor's earlier sessions, seconds (NaN: none).
    public var visitorMedianBefore: Double
    /// Dwell of the previous view of the session, seconds (NaN at the entry).
    public var previousDwell: Double
    /// Mean ln(1 + dwell s) of the session's earlier views with an observed dwell (NaN at the entry):
    /// the session's pace so far.
    public var sessionMeanLogDwell: Double = .nan
    /// Observed dwell in seconds, or the lower bound of a censored one.
    public var dwell: Double
    public var censored: Bool
    /// From the test period (`--test` files, or after the time split).
    public var isTest: Bool
}

/// Builds `DwellView`s from the sessions of one or two periods (one algorithm: a walk over each
/// visitor's sessions in time order, carrying the visitor's history forward).
public enum DwellFeatures {
    /// Views of `train` and, when given, of `test` (a later period, read separately). A visitor of
    /// both (same key) keeps the earlier period's sessions as history. `openMillis`: the session timeout
    /// (a last view closer than that to the end of its period's log is censored at the log's end).
    public static func views(train: VisitorHistory, test: VisitorHistory? = nil, openMillis: Int64 = 30 * 60 * 1000) -> [DwellView] {
        struct Ref { var history: VisitorHistory; var visitor: Int; var session: Int; var isTest: Bool }
        var byVisitor: [[Ref]] = train.visitors.indices.map { i in train.visitors[i].sessions.indices.map { Ref(history: train, visitor: i, session: $0, isTest: false) } }
        var devices: [UInt8] = train.visitors.map { UInt8(Device.allCases.firstIndex(of: $0.device)!) }
        if let test {
            var index: [String: Int] = [:]
            for (i, v) in train.visitors.enumerated() { index[v.key] = i }
            for (i, v) in test.visitors.enumerated() {
                let refs = v.sessions.indices.map { Ref(history: test, visitor: i, session: $0, isTest: true) }
                if let j = index[v.key] {
                    byVisitor[j] += refs
                } else {
                    byVisitor.append(refs)
                    devices.append(UInt8(Device.allCases.firstIndex(of: v.device)!))
                }
            }
        }
        let trainEnd = train.lastTime, testEnd = test?.lastTime ?? .min
        var out: [DwellView] = []
        out.reserveCapacity(byVisitor.reduce(0) { $0 + $1.reduce(0) { $0 + $1.history.visitors[$1.visitor].sessions[$1.session].pages.count } })
        var earlier: [Double] = []
        for (visitor, refs) in byVisitor.enumerated() {
            let sessions = refs.map { (ref: $0, s: $0.history.visitors[$0.visitor].sessions[$0.session]) }.sorted { $0.s.start < $1.s.start }
            earlier.removeAll(keepingCapacity: true)
            var viewsBefore: Int32 = 0
            for (n, (ref, s)) in sessions.enumerated() {
                let visitorMedian = earlier.isEmpty ? Double.nan : Metrics.median(earlier)
                let channel = UInt8(EntryChannel.allCases.firstIndex(of: s.channel)!)
                let logEnd = ref.isTest ? testEnd : trainEnd
                var paceSum = 0.0, paceCount = 0
                for k in s.pages.indices {
                    let t = s.times[k]
                    let last = k == s.pages.count - 1
                    var dwell = s.dwell[k]
                    var censored = false
                    if dwell < 0 || last {
                        censored = true
                        dwell = logEnd - t < openMillis ? Double(max(0, logEnd - t)) / 1000 : 0
                    }
                    let day = Int64((Double(t) / 86_400_000).rounded(.down))
                    out.append(DwellView(
                        time: t, sessionStart: s.start, visitor: Int32(visitor), page: s.pages[k],
                        previous: k > 0 ? s.pages[k - 1] : -1, position: Int32(k), viewsBefore: viewsBefore,
                        sessionsBefore: Int32(n), channel: channel, device: devices[visitor],
                        hour: UInt8(((t / 3_600_000) % 24 + 24) % 24), weekday: UInt8(((day + 3) % 7 + 7) % 7),
                        visitorMedianBefore: visitorMedian, previousDwell: k > 0 && s.dwell[k - 1] >= 0 ? s.dwell[k - 1] : .nan,
                        sessionMeanLogDwell: paceCount > 0 ? paceSum / Double(paceCount) : .nan,
                        dwell: dwell, censored: censored, isTest: ref.isTest))
                    viewsBefore += 1
                    if !censored { paceSum += DwellEncoder.logTime(dwell); paceCount += 1 }
                }
                for d in s.dwell where d >= 0 { earlier.append(d) }
                // A bounded memory of the visitor's past: the latest 256 dwells.
                if earlier.count > 512 { earlier.removeFirst(earlier.count - 256) }
            }
        }
        return out
    }

    /// Marks as test the views of sessions starting at or after the time by which `trainShare` of all
    /// views had been seen (the time-split default: train on the earlier period, test on the later).
    public static func timeSplit(_ views: inout [DwellView], trainShare: Double = 0.7) {
        guard !views.isEmpty else { return }
        let times = views.map(\.time).sorted()
        let cut = times[min(times.count - 1, Int(Double(times.count) * trainShare))]
        for i in views.indices { views[i].isTest = views[i].sessionStart >= cut }
    }
}

/// Turns views into the model's feature matrix, with the per-page statistics (target encodings) learnt
/// from training views only: the page's median log dwell (shrunk toward the global one by `pagePrior`
/// pseudo-views, so a page seen twice does not pass for a known one) and its number of observed dwells,
/// its Weibull fit (log median and shape, where it has `DwellAnalysis.minimumWeibullViews` observed
/// dwells), its exit rate, the previous page's median and the (previous page → page) transition's
/// median, shrunk toward the page's by `transitionPrior` pseudo-views.
///
/// Training rows are encoded out of fold (`outOfFoldMatrix`): each visitor's views with statistics from
/// the other visitors only, as they will be for later views. Encoding a row with statistics that include
/// its own dwell leaks the target (on YooChoose, where most items have a few views, that made the
/// model worse than the global median).
public struct DwellEncoder: Sendable {
    public static let featureNames = [
        "page_log_median", "page_observed_views_log", "page_weibull_log_median", "page_weibull_shape", "page_exit_rate",
        "previous_page_log_median", "transition_log_median", "position", "views_so_far",
        "since_session_start_log_s", "entry_channel", "device", "hour", "weekday",
        "visitor_sessions_before", "visitor_median_dwell_log_s", "previous_dwell_log_s", "session_mean_dwell_log_s",
    ]
    static let transitionPrior = 10.0
    static let pagePrior = 5.0
    static let maxWeibullValues = 5000
    /// Folds for out-of-fold encoding of training rows.
    static let folds = 5

    public var pageLogMedian: [Int32: Double] = [:]
    /// Shrunk toward the global log median (the model's feature; `pageLogMedian` is the raw baseline's).
    var pageLogEncoding: [Int32: Double] = [:]
    var pageObserved: [Int32: Int] = [:]
    public var pageMedian: [Int32: Double] = [:]
    public var pageWeibull: [Int32: WeibullFit] = [:]
    public var pageExitRate: [Int32: Double] = [:]
    var transitionLogMedian: [Int64: Double] = [:]
    public var globalLogMedian = 0.0
    public var globalMedian = 0.0

    /// y = ln(1 + seconds): defined at 0 s (two hits in the same second), and monotone, so medians map
    /// back exactly.
    @inline(__always) public static func logTime(_ seconds: Double) -> Double { log1p(max(0, seconds)) }
    @inline(__always) public static func seconds(_ logTime: Double) -> Double { max(0, expm1(logTime)) }

    public init(fitting views: [DwellView], rows: [Int]) {
        var observed: [Int32: [Double]] = [:]
        var censoredBounds: [Int32: [Double]] = [:]
        var counts: [Int32: (views: Int, exits: Int)] = [:]
        var transitions: [Int64: [Double]] = [:]
        var all: [Double] = []
        all.reserveCapacity(rows.count)
        for r in rows {
            let v = views[r]
            counts[v.page, default: (0, 0)].views += 1
            if v.censored {
                counts[v.page]!.exits += 1
                if v.dwell > 0 { censoredBounds[v.page, default: []].append(v.dwell) }
                continue
            }
            observed[v.page, default: []].append(v.dwell)
            all.append(v.dwell)
            transitions[Int64(v.previous) << 32 | Int64(UInt32(bitPattern: v.page)), default: []].append(v.dwell)
        }
        globalMedian = all.isEmpty ? 0 : Metrics.median(all)
        globalLogMedian = Self.logTime(globalMedian)
        for (p, d) in observed {
            let m = Metrics.median(d)
            pageMedian[p] = m
            pageLogMedian[p] = Self.logTime(m)
            let n = Double(d.count)
            pageLogEncoding[p] = (n * Self.logTime(m) + Self.pagePrior * globalLogMedian) / (n + Self.pagePrior)
            pageObserved[p] = d.count
            // As a feature the fit needs no more than the latest `maxWeibullValues` dwells (the fit is
            // O(values × iterations); the per-page table fits all of them).
            if let fit = DwellAnalysis.weibull(observed: Array(d.suffix(Self.maxWeibullValues)), censored: Array((censoredBounds[p] ?? []).suffix(Self.maxWeibullValues))) { pageWeibull[p] = fit }
        }
        for (p, c) in counts { pageExitRate[p] = Double(c.exits) / Double(c.views) }
        for (key, d) in transitions {
            let page = Int32(truncatingIfNeeded: key & 0xFFFF_FFFF)
            let n = Double(d.count)
            let prior = pageLogEncoding[page] ?? globalLogMedian
            transitionLogMedian[key] = (n * Self.logTime(Metrics.median(d)) + Self.transitionPrior * prior) / (n + Self.transitionPrior)
        }
    }

    /// The per-page median baseline (global median for pages unseen in training), seconds.
    public func pageMedianPrediction(_ v: DwellView) -> Double { pageMedian[v.page] ?? globalMedian }

    /// The per-page Weibull median baseline (the page's median where it has no fit), seconds.
    public func pageWeibullPrediction(_ v: DwellView) -> Double { pageWeibull[v.page]?.median ?? pageMedianPrediction(v) }

    /// The training rows' matrix with each row encoded by statistics from the other folds (folds by
    /// visitor) of `statisticsFrom` (default: `rows`), in the order of `rows`.
    public static func outOfFoldMatrix(_ views: [DwellView], rows: [Int], statisticsFrom statisticsRows: [Int]? = nil) -> FeatureMatrix {
        let statisticsRows = statisticsRows ?? rows
        let c = featureNames.count
        var values = [Double](repeating: 0, count: rows.count * c)
        for f in 0 ..< folds {
            let inFold = rows.indices.filter { Int(views[rows[$0]].visitor) % folds == f }
            guard !inFold.isEmpty else { continue }
            let others = statisticsRows.filter { Int(views[$0].visitor) % folds != f }
            let encoder = DwellEncoder(fitting: views, rows: others)
            let m = encoder.matrix(views, rows: inFold.map { rows[$0] })
            for (k, i) in inFold.enumerated() {
                for j in 0 ..< c { values[i * c + j] = m.values[k * c + j] }
            }
        }
        return FeatureMatrix(rows: rows.count, columns: c, values: values, names: featureNames)
    }

    public func matrix(_ views: [DwellView], rows: [Int]) -> FeatureMatrix {
        let c = Self.featureNames.count
        var values = [Double](repeating: 0, count: rows.count * c)
        // Written in place (no array per row: `run` encodes every view of its main window).
        values.withUnsafeMutableBufferPointer { out in
            for (i, r) in rows.enumerated() {
                let v = views[r]
                let page = pageLogEncoding[v.page] ?? globalLogMedian
                let w = pageWeibull[v.page]
                let key = Int64(v.previous) << 32 | Int64(UInt32(bitPattern: v.page))
                let o = i * c
                out[o] = page
                out[o + 1] = log1p(Double(pageObserved[v.page] ?? 0))
                out[o + 2] = w.map { Self.logTime($0.median) } ?? .nan
                out[o + 3] = w?.shape ?? .nan
                out[o + 4] = pageExitRate[v.page] ?? .nan
                out[o + 5] = v.previous < 0 ? -1 : (pageLogEncoding[v.previous] ?? globalLogMedian)
                out[o + 6] = transitionLogMedian[key] ?? page
                out[o + 7] = Double(v.position)
                out[o + 8] = Double(v.viewsBefore)
                out[o + 9] = log1p(Double(v.time - v.sessionStart) / 1000)
                out[o + 10] = Double(v.channel)
                out[o + 11] = Double(v.device)
                out[o + 12] = Double(v.hour)
                out[o + 13] = Double(v.weekday)
                out[o + 14] = Double(v.sessionsBefore)
                out[o + 15] = v.visitorMedianBefore.isNaN ? .nan : Self.logTime(v.visitorMedianBefore)
                out[o + 16] = v.previousDwell.isNaN ? .nan : Self.logTime(v.previousDwell)
                out[o + 17] = v.sessionMeanLogDwell
            }
        }
        return FeatureMatrix(rows: rows.count, columns: c, values: values, names: Self.featureNames)
    }
}
