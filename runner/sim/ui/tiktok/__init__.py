"""The simulated TikTok app (packages com.zhiliaoapp.musically, com.ss.android.ugc.trill, clones)."""
