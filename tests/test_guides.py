"""The user guides are served in the interface language, with their screenshots."""


def test_guides_in_both_languages_with_images(as_role):
    client = as_role("cadre")
    page = client.get("/guide/cadre").get_data(as_text=True)
    assert "<h1" in page and "/guide/screenshots/" in page
    image = page.split('src="/guide/screenshots/')[1].split('"')[0]
    assert client.get(f"/guide/screenshots/{image}").status_code == 200
    client.post("/language/en", data={"next": "/"})
    english = client.get("/guide/cadre").get_data(as_text=True)
    assert english != page
    assert client.get("/guide/nobody").status_code == 404
    assert client.get("/guide/screenshots/../../README.md").status_code == 404
    assert "/guide/cadre" in client.get("/").get_data(as_text=True)
