# Oracle for test/scoring/sklearn-compare.test.ts: reads the random data set the test wrote
# (JSON on stdin), computes every metric with scikit-learn / scipy, prints JSON on stdout.
import json, sys, warnings
import numpy as np
from sklearn import metrics as M
from sklearn.preprocessing import label_binarize
from scipy import stats

warnings.simplefilter("ignore")
d = json.load(sys.stdin)
out = {}
for name, ds in d["classification"].items():
    y = np.array(ds["labels"]); k = ds["k"]
    P = np.array(ds["probabilities"], dtype=np.float64).reshape(-1, k)
    p = np.array(ds["predicted"])
    L = list(range(k))
    r = {}
    r["accuracy"] = M.accuracy_score(y, p)
    r["balanced_accuracy"] = M.balanced_accuracy_score(y, p)
    for avg in ["macro", "micro", "weighted"]:
        pr, rc, f, _ = M.precision_recall_fscore_support(y, p, average=avg, zero_division=0)
        r[f"precision_{avg}"] = pr; r[f"recall_{avg}"] = rc; r[f"f1_{avg}"] = f
    r["fbeta2_macro"] = M.fbeta_score(y, p, beta=2, average="macro", zero_division=0)
    r["mcc"] = M.matthews_corrcoef(y, p)
    for w in [None, "linear", "quadratic"]:
        r[f"kappa_{w}"] = M.cohen_kappa_score(y, p, labels=L, weights=w)
    r["log_loss"] = M.log_loss(y, P, labels=L)
    r["top_k_2"] = M.top_k_accuracy_score(y, P, k=2, labels=L) if k > 2 else None
    if k == 2:
        r["roc_auc"] = M.roc_auc_score(y, P[:, 1])
        r["average_precision"] = M.average_precision_score(y, P[:, 1])
        r["brier"] = M.brier_score_loss(y, P[:, 1])
    else:
        r["roc_auc"] = M.roc_auc_score(y, P, multi_class="ovr", average="macro", labels=L)
        r["roc_auc_weighted"] = M.roc_auc_score(y, P, multi_class="ovr", average="weighted", labels=L)
        r["average_precision"] = M.average_precision_score(label_binarize(y, classes=L), P, average="macro")
    out[name] = r
for name, ds in d["regression"].items():
    t = np.array(ds["targets"]); p = np.array(ds["predictions"])
    out[name] = {
        "mse": M.mean_squared_error(t, p), "rmse": M.mean_squared_error(t, p, squared=False),
        "mae": M.mean_absolute_error(t, p), "r2": M.r2_score(t, p),
        "mape": M.mean_absolute_percentage_error(t, p),
        "pearson": stats.pearsonr(p, t)[0], "spearman": stats.spearmanr(p, t).correlation,
    }
rk = d["ranking"]
out["ranking"] = {"ndcg_5": M.ndcg_score(np.array(rk["grades"]), np.array(rk["scores"]), k=5),
                  "ndcg_all": M.ndcg_score(np.array(rk["grades"]), np.array(rk["scores"]))}
print(json.dumps(out))
