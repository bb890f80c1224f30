def test_home_page_is_korean_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="ko">' in response.get_data(as_text=True)
