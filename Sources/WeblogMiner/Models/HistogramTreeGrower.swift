/// Grows one regression tree on binned features from per-row gradients and hessians, the inner loop
/// of histogram gradient boosting (scikit-learn `TreeGrower` / LightGBM leaf-wise growth).
///
/// - Histograms: for a node, per feature and bin, the sums of gradients and hessians and the row
///   count. A child's histogram is built from its rows only for the smaller child; the larger one is
///   parent − smaller (the subtraction trick), so each level costs about half a pass over the rows.
///   Building is split by features across cores for large nodes.
/// - Split search: for each feature, scan bins left to right with missing values sent right, and
///   (if the feature had missing values in training) right to left with missing values sent left;
///   the gain of a split with sums (G_L, H_L), (G_R, H_R) of a node (G, H) is
///       G_L² / (H_L + λ) + G_R² / (H_R + λ) − G² / (H + λ)
///   (λ = l2Regularization), and both sides need ≥ minSamplesLeaf rows and ≥ 1e-3 hessian.
///   A split at the last non-missing bin separates exactly the missing values ("split on NaN").
///   Features without missing values in training send NaN at prediction time to the larger child.
/// - Best-first growth: always split the leaf with the largest gain, until maxLeafNodes leaves
///   exist, no leaf has a positive gain, or maxDepth is reached. Nodes with fewer than
///   2·minSamplesLeaf rows are not split.
/// - Values: Newton step −G / (H + λ), times the shrinkage (learning rate), stored for internal
///   nodes too so path attributions (Saabas) can credit each split with the change of value.
///
/// ```swift
/// let grower = HistogramTreeGrower(bins: binned, rows: n, binner: binner, gradients: g, hessians: h, ...)
/// let tree = grower.grow()          // nodes plus, per node, its rows in grower.partition
/// ```
final class HistogramTreeGrower {
    struct Bin {
        var g = 0.0
        var h = 0.0
        var count = 0
    }

    struct Split {
        var gain = 0.0
        var feature = -1
        var bin = 0
        var missingGoesLeft = false
        var gradientLeft = 0.0, hessianLeft = 0.0, countLeft = 0
        var gradientRight = 0.0, hessianRight = 0.0, countRight = 0
    }

    struct Parameters {
        var maxLeafNodes: Int
        var maxDepth: Int?
        var minSamplesLeaf: Int
        var l2: Double
        var shrinkage: Double
    }

    let bins: UnsafePointer<UInt8>
    let n: Int
    let features: Int
    let stride: Int
    let nonMissingBins: [Int]
    let hasMissing: [Bool]
    let missingBin: Int
    let thresholds: [[Double]]
    let gradients: UnsafePointer<Double>
    let hessians: UnsafePointer<Double>?   // nil: every hessian is 1 (squared and absolute error)
    let parameters: Parameters
    let minHessianToSplit = 1e-3

    /// Row indices; each node owns the range ranges[node] of it after growing.
    var partition: [Int32]
    private var scratch: [Int32]
    private var orderedGradients: [Double]
    private var orderedHessians: [Double]

    // Growth state, one entry per node.
    var nodes: [TreeNode] = []
    var ranges: [(start: Int, count: Int)] = []
    private var sums: [(g: Double, h: Double)] = []
    private var depths: [Int] = []
    private var histograms: [[Bin]?] = []
    private var splits: [Split?] = []

    init(bins: UnsafePointer<UInt8>, rows n: Int, binner: FeatureBinner, gradients: UnsafePointer<Double>,
         hessians: UnsafePointer<Double>?, parameters: Parameters) {
        self.bins = bins
        self.n = n
        features = binner.featureCount
        stride = Int(binner.missingBin) + 1
        nonMissingBins = (0 ..< binner.featureCount).map { binner.nonMissingBins($0) }
        hasMissing = binner.hasMissing
        missingBin = Int(binner.missingBin)
        thresholds = binner.thresholds
        self.gradients = gradients
        self.hessians = hessians
        self.parameters = parameters
        partition = (0 ..< Int32(n)).map { $0 }
        scratch = [Int32](repeating: 0, count: n)
        orderedGradients = [Double](repeating: 0, count: n)
        orderedHessians = hessians == nil ? [] : [Double](repeating: 0, count: n)
    }

    /// Grows the tree; afterwards `nodes` is the tree (node 0 the root) and `ranges` its rows.
    func grow() {
        var gSum = 0.0, hSum = 0.0
        for i in 0 ..< n {
            gSum += gradients[i]
            hSum += hessians?[i] ?? 1
        }
        addNode(start: 0, count: n, g: gSum, h: hSum, depth: 0)
        var splittable: [Int] = []
        if canSplit(0) {
            histograms[0] = buildHistogram(0)
            if let s = findSplit(0) { splits[0] = s; splittable.append(0) }
        }
        var leaves = 1
        while !splittable.isEmpty {
            // Best-first: the splittable leaf with the largest gain (ties: the older node).
            var best = 0
            for k in 1 ..< splittable.count where splits[splittable[k]]!.gain > splits[splittable[best]]!.gain { best = k }
            let node = splittable.remove(at: best)
            let split = splits[node]!
            let (left, right) = apply(split, to: node)
            leaves += 1
            let parentHistogram = histograms[node]!
            histograms[node] = nil
            if leaves >= parameters.maxLeafNodes { break }
            if let maxDepth = parameters.maxDepth, depths[left] >= maxDepth { continue }
            let splitLeft = canSplit(left), splitRight = canSplit(right)
            guard splitLeft || splitRight else { continue }
            // Subtraction trick: build the smaller child, derive the larger.
            let small = ranges[left].count <= ranges[right].count ? left : right
            let large = small == left ? right : left
            let smallHistogram = buildHistogram(small)
            var largeHistogram = parentHistogram
            for k in 0 ..< largeHistogram.count {
                largeHistogram[k].g -= smallHistogram[k].g
                largeHistogram[k].h -= smallHistogram[k].h
                largeHistogram[k].count -= smallHistogram[k].count
            }
            histograms[small] = smallHistogram
            histograms[large] = largeHistogram
            for (child, wanted) in [(left, splitLeft), (right, splitRight)] {
                if wanted, let s = findSplit(child) {
                    splits[child] = s
                    splittable.append(child)
                } else {
                    histograms[child] = nil
                }
            }
        }
        histograms = []
    }

    private func canSplit(_ node: Int) -> Bool {
        if let maxDepth = parameters.maxDepth, depths[node] >= maxDepth { return false }
        return ranges[node].count >= 2 * parameters.minSamplesLeaf && parameters.maxLeafNodes > 1
    }

    private func addNode(start: Int, count: Int, g: Double, h: Double, depth: Int) {
        var node = TreeNode()
        node.value = parameters.shrinkage * -g / (h + parameters.l2)
        node.count = Int32(count)
        nodes.append(node)
        ranges.append((start, count))
        sums.append((g, h))
        depths.append(depth)
        histograms.append(nil)
        splits.append(nil)
    }

    /// Partitions the node's rows (stable, so rows stay in increasing order) and adds its children.
    private func apply(_ split: Split, to node: Int) -> (Int, Int) {
        let (start, count) = ranges[node]
        let column = bins + split.feature * n
        let threshold = UInt8(split.bin)
        let missing = UInt8(missingBin)
        var leftCount = 0
        partition.withUnsafeMutableBufferPointer { p in
            scratch.withUnsafeMutableBufferPointer { s in
                var rightCount = 0
                for k in start ..< start + count {
                    let row = p[k]
                    let b = column[Int(row)]
                    let goesLeft = b == missing ? split.missingGoesLeft : b <= threshold
                    if goesLeft {
                        p[start + leftCount] = row
                        leftCount += 1
                    } else {
                        s[rightCount] = row
                        rightCount += 1
                    }
                }
                for k in 0 ..< rightCount { p[start + leftCount + k] = s[k] }
            }
        }
        let left = nodes.count
        addNode(start: start, count: leftCount, g: split.gradientLeft, h: split.hessianLeft, depth: depths[node] + 1)
        let right = nodes.count
        addNode(start: start + leftCount, count: count - leftCount, g: split.gradientRight, h: split.hessianRight,
                depth: depths[node] + 1)
        nodes[node].feature = Int32(split.feature)
        nodes[node].bin = threshold
        nodes[node].threshold = split.bin < thresholds[split.feature].count ? thresholds[split.feature][split.bin] : .infinity
        nodes[node].missingGoesLeft = split.missingGoesLeft
        nodes[node].left = Int32(left)
        nodes[node].right = Int32(right)
        nodes[node].gain = split.gain
        return (left, right)
    }

    private func buildHistogram(_ node: Int) -> [Bin] {
        let (start, count) = ranges[node]
        var histogram = [Bin](repeating: Bin(), count: features * stride)
        let hasHessians = hessians != nil
        // Gather the node's gradients contiguously: the per-feature loops then read them in order.
        orderedGradients.withUnsafeMutableBufferPointer { og in
            orderedHessians.withUnsafeMutableBufferPointer { oh in
                partition.withUnsafeBufferPointer { p in
                    for k in 0 ..< count {
                        let row = Int(p[start + k])
                        og[k] = gradients[row]
                        if let hessians { oh[k] = hessians[row] }
                    }
                }
                let og = UnsafeBufferPointer(og), oh = UnsafeBufferPointer(oh)
                partition.withUnsafeBufferPointer { p in
                    histogram.withUnsafeMutableBufferPointer { hp in
                        let rows = p.baseAddress! + start
                        // Threads only pay off for big nodes; small ones are done inline.
                        let tasks = count * features >= 40_000 ? min(features, onlineProcessorCount) : 1
                        parallelFor(tasks) { task in
                            var f = task
                            while f < features {
                                let column = bins + f * n
                                let hf = hp.baseAddress! + f * stride
                                if hasHessians {
                                    for k in 0 ..< count {
                                        let b = Int(column[Int(rows[k])])
                                        hf[b].g += og[k]
                                        hf[b].h += oh[k]
                                        hf[b].count += 1
                                    }
                                } else {
                                    for k in 0 ..< count {
                                        let b = Int(column[Int(rows[k])])
                                        hf[b].g += og[k]
                                        hf[b].count += 1
                                    }
                                    for b in 0 ..< stride { hf[b].h = Double(hf[b].count) }
                                }
                                f += tasks
                            }
                        }
                    }
                }
            }
        }
        return histogram
    }

    /// The best split of the node over all features, or nil when none has positive gain.
    private func findSplit(_ node: Int) -> Split? {
        let (gTotal, hTotal) = sums[node]
        let nTotal = ranges[node].count
        let l2 = parameters.l2, minLeaf = parameters.minSamplesLeaf
        let parentScore = gTotal * gTotal / (hTotal + l2)
        var best = Split()
        histograms[node]!.withUnsafeBufferPointer { hp in
            for f in 0 ..< features {
                let hf = hp.baseAddress! + f * stride
                let binsHere = nonMissingBins[f]
                // Left to right: missing values (if any) go right. With missing values the scan may
                // put every non-missing bin left, which splits off the missing rows alone.
                var gL = 0.0, hL = 0.0, nL = 0
                let end = binsHere - 1 + (hasMissing[f] ? 1 : 0)
                var b = 0
                while b < end {
                    gL += hf[b].g; hL += hf[b].h; nL += hf[b].count
                    b += 1
                    let nR = nTotal - nL, hR = hTotal - hL, gR = gTotal - gL
                    if nL < minLeaf { continue }
                    if nR < minLeaf { break }
                    if hL < minHessianToSplit { continue }
                    if hR < minHessianToSplit { break }
                    let gain = gL * gL / (hL + l2) + gR * gR / (hR + l2) - parentScore
                    if gain > best.gain {
                        best = Split(gain: gain, feature: f, bin: b - 1, missingGoesLeft: false,
                                     gradientLeft: gL, hessianLeft: hL, countLeft: nL,
                                     gradientRight: gR, hessianRight: hR, countRight: nR)
                        // No missing values seen in training: send NaN to the larger child later.
                        if !hasMissing[f] { best.missingGoesLeft = nL > nR }
                    }
                }
                guard hasMissing[f] else { continue }
                // Right to left: missing values go left.
                var gR = 0.0, hR = 0.0, nR = 0
                b = binsHere - 2
                while b >= 0 {
                    gR += hf[b + 1].g; hR += hf[b + 1].h; nR += hf[b + 1].count
                    let bin = b
                    b -= 1
                    let nL = nTotal - nR, hL = hTotal - hR, gL = gTotal - gR
                    if nR < minLeaf { continue }
                    if nL < minLeaf { break }
                    if hR < minHessianToSplit { continue }
                    if hL < minHessianToSplit { break }
                    let gain = gL * gL / (hL + l2) + gR * gR / (hR + l2) - parentScore
                    if gain > best.gain {
                        best = Split(gain: gain, feature: f, bin: bin, missingGoesLeft: true,
                                     gradientLeft: gL, hessianLeft: hL, countLeft: nL,
                                     gradientRight: gR, hessianRight: hR, countRight: nR)
                    }
                }
            }
        }
        return best.feature >= 0 && best.gain > 0 ? best : nil
    }
}

/// One node of a fitted tree. Leaves have feature -1.
struct TreeNode: Sendable {
    var feature: Int32 = -1
    var bin: UInt8 = 0
    var missingGoesLeft = false
    var threshold = 0.0
    var left: Int32 = -1
    var right: Int32 = -1
    /// Shrunk node value; for a leaf, what the tree adds to the score.
    var value = 0.0
    var count: Int32 = 0
    var gain = 0.0
}
